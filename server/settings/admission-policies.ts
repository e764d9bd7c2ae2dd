/**
 * The admission policies MESH_ADMISSION may name, checked at every registration (README, Admission
 * policies); each has its check in server/admission/admission.ts's POLICIES table, whose type asks
 * for every provided one. A name listed here but not provided would be refused at start-up by name.
 */
export const ADMISSION_POLICIES = ['manual', 'enrollment-key', 'identity', 'http'] as const;
export type AdmissionPolicyName = (typeof ADMISSION_POLICIES)[number];

export const PROVIDED_ADMISSION_POLICIES = [
  'manual',
  'enrollment-key',
  'identity',
  'http',
] as const satisfies readonly AdmissionPolicyName[];
export type ProvidedAdmissionPolicy = (typeof PROVIDED_ADMISSION_POLICIES)[number];

export function isProvidedAdmissionPolicy(name: string): name is ProvidedAdmissionPolicy {
  return (PROVIDED_ADMISSION_POLICIES as readonly string[]).includes(name);
}
