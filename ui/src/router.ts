import { useEffect, useState } from 'preact/hooks';

const BASE = '/ui';

/** The view's path below /ui, such as `/nodes/validator-a`. */
function currentPath(): string {
  const path = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : '/';
  return path === '' ? '/' : path;
}

export function href(path: string): string {
  return `${BASE}${path}`;
}

export function navigate(path: string): void {
  if (href(path) === location.pathname + location.search) return;
  history.pushState(null, '', href(path));
  dispatchEvent(new PopStateEvent('popstate'));
}

export function usePath(): { path: string; query: URLSearchParams } {
  const [state, setState] = useState(() => ({ path: currentPath(), query: new URLSearchParams(location.search) }));
  useEffect(() => {
    const update = () => setState({ path: currentPath(), query: new URLSearchParams(location.search) });
    addEventListener('popstate', update);
    return () => removeEventListener('popstate', update);
  }, []);
  return state;
}

/** Links stay real links (open in a new tab, copy) and navigate in place on a plain click. */
export function onLinkClick(event: MouseEvent): void {
  const anchor = (event.target as Element | null)?.closest('a');
  if (!anchor || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey)
    return;
  const url = new URL(anchor.href, location.href);
  if (url.origin !== location.origin || !url.pathname.startsWith(`${BASE}/`) || anchor.target) return;
  event.preventDefault();
  history.pushState(null, '', url.pathname + url.search);
  dispatchEvent(new PopStateEvent('popstate'));
}
