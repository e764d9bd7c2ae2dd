import { formatDuration } from './format.js';
import { live } from './live.js';
import { href, onLinkClick, usePath } from './router.js';
import { useNow, useStore } from './store.js';
import { Events } from './views/Events.js';
import { Inbox } from './views/Inbox.js';
import { NodeDetail } from './views/NodeDetail.js';
import { Nodes } from './views/Nodes.js';
import { Overview } from './views/Overview.js';

const NAV = [
  { path: '/', label: 'Overview' },
  { path: '/nodes', label: 'Nodes' },
  { path: '/inbox', label: 'Inbox' },
  { path: '/events', label: 'Events' },
];

function ConnectionNotice() {
  const state = useStore(live);
  const now = useNow();
  if (state.connection === 'disconnected') {
    return (
      <div class="banner banner-down" role="alert" data-testid="disconnected">
        <strong>Disconnected from mesh</strong>
        {state.disconnectedSince !== null && <> for {formatDuration(now - state.disconnectedSince)}</>}. What you see may be out
        of date; reconnecting, and the page will catch up from revision {state.revision}.
      </div>
    );
  }
  if (state.caughtUp !== null && state.connection === 'live') {
    return (
      <div class="banner banner-back" role="status" data-testid="reconnected">
        Reconnected to mesh: caught up with {state.caughtUp} event{state.caughtUp === 1 ? '' : 's'} since the connection dropped.
      </div>
    );
  }
  return null;
}

function ConnectionPill() {
  const { connection } = useStore(live);
  const words = { live: 'Live', connecting: 'Connecting…', disconnected: 'Disconnected' }[connection];
  return (
    <span class={`pill pill-${connection}`} data-testid="connection">
      <span class="dot" aria-hidden="true" />
      {words}
    </span>
  );
}

function View({ path, query }: { path: string; query: URLSearchParams }) {
  if (path === '/' || path === '/overview') return <Overview />;
  if (path === '/nodes') return <Nodes query={query} />;
  if (path.startsWith('/nodes/')) return <NodeDetail nodeId={decodeURIComponent(path.slice('/nodes/'.length))} />;
  if (path === '/inbox') return <Inbox />;
  if (path === '/events') return <Events query={query} />;
  return (
    <div class="view">
      <h1 class="view-title">Not found</h1>
      <p>
        The dashboard has no page here. <a href={href('/')}>Go to the overview</a>.
      </p>
    </div>
  );
}

export function App() {
  const { path, query } = usePath();
  const state = useStore(live);
  const pending = [...state.nodes.values()].filter((node) => node.status === 'pending').length;
  const section = NAV.slice(1).find((item) => path.startsWith(item.path))?.path ?? '/';

  return (
    <div class="app" onClick={onLinkClick}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href={href('/')}>
          <img src={href('/favicon.svg')} alt="" width="24" height="24" />
          mesh
        </a>
        {state.info && (
          <span class="network" title="Network id">
            {state.info.network}
          </span>
        )}
        <nav aria-label="Main">
          <ul>
            {NAV.map((item) => (
              <li key={item.path}>
                <a href={href(item.path)} aria-current={section === item.path ? 'page' : undefined}>
                  {item.label}
                  {item.path === '/inbox' && pending > 0 && (
                    <span class="nav-count" aria-label={`${pending} pending`}>
                      {pending}
                    </span>
                  )}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <ConnectionPill />
      </header>
      <ConnectionNotice />
      <main id="main" tabIndex={-1}>
        <View path={path} query={query} />
      </main>
      <footer class="footer muted">
        mesh {state.info?.version ?? ''} · revision {state.revision}
      </footer>
    </div>
  );
}
