/**
 * The admission policies MESH_ADMISSION may name, checked at every registration (README, Admission
 * policies); each has its check in server/admission/admission.ts's POLICIES table, whose type asks
 * for every one listed here. Start-up refuses any other name.
 */
export const ADMISSION_POLICIES = ['manual', 'enrollment-key', 'identity', 'http'] as const;
export type AdmissionPolicyName = (typeof ADMISSION_POLICIES)[number];

export function isAdmissionPolicy(name: string): name is AdmissionPolicyName {
  return (ADMISSION_POLICIES as readonly string[]).includes(name);
}
