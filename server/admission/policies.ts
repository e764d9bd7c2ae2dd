/**
 * The admission policies MESH_ADMISSION may name, checked at every registration (README, Admission
 * policies). `identity` (Tailscale identity evidence) is named but not provided yet: naming it is a
 * configuration error until its check plugs in, by joining PROVIDED_ADMISSION_POLICIES and giving
 * its check in server/admission/admission.ts's POLICIES table, whose type asks for every provided one.
 */
export const ADMISSION_POLICIES = ['manual', 'enrollment-key', 'identity', 'http'] as const;
export type AdmissionPolicyName = (typeof ADMISSION_POLICIES)[number];

export const PROVIDED_ADMISSION_POLICIES = ['manual', 'enrollment-key', 'http'] as const satisfies readonly AdmissionPolicyName[];
export type ProvidedAdmissionPolicy = (typeof PROVIDED_ADMISSION_POLICIES)[number];

export function isProvidedAdmissionPolicy(name: string): name is ProvidedAdmissionPolicy {
  return (PROVIDED_ADMISSION_POLICIES as readonly string[]).includes(name);
}
