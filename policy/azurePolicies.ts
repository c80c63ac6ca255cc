/**
 * Policies on the Azure resources a stack creates: the container registry and the AKS cluster. Plain policy objects
 * (see kubernetesPolicies.ts for why). Type tokens match the default module and explicit API versions
 * (`azure-native:containerservice/v20250801:ManagedCluster`).
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";

const REGISTRY_TYPE = /^azure-native:containerregistry(\/v[0-9a-z]+)?:Registry$/;
const CLUSTER_TYPE = /^azure-native:containerservice(\/v[0-9a-z]+)?:ManagedCluster$/;

export const acrAdminUserDisabled: ResourceValidationPolicy = {
    name: "acr-admin-user-disabled",
    description: "The container registry's admin user (a shared, long-lived password) is off.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Set adminUserEnabled: false; pull with the kubelet identity's AcrPull role and push with an Entra token (az acr login --expose-token).",
    validateResource: (args, reportViolation) => {
        if (!REGISTRY_TYPE.test(args.type)) return;
        if (args.props.adminUserEnabled === true) {
            reportViolation(`Registry '${args.name}' has adminUserEnabled: true.`);
        }
    },
};

export const acrAnonymousPullDisabled: ResourceValidationPolicy = {
    name: "acr-anonymous-pull-disabled",
    description: "The container registry does not serve images to unauthenticated clients.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps: "Set anonymousPullEnabled: false (or leave it unset).",
    validateResource: (args, reportViolation) => {
        if (!REGISTRY_TYPE.test(args.type)) return;
        if (args.props.anonymousPullEnabled === true) {
            reportViolation(`Registry '${args.name}' has anonymousPullEnabled: true.`);
        }
    },
};

export const aksAzureRbacEnabled: ResourceValidationPolicy = {
    name: "aks-azure-rbac-enabled",
    description: "The AKS cluster authorises Kubernetes access with Azure RBAC (managed Entra ID).",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Set aadProfile: { managed: true, enableAzureRBAC: true, adminGroupObjectIDs: [...] }. Dev stacks may relax this policy to advisory (policy/dev.json).",
    validateResource: (args, reportViolation) => {
        if (!CLUSTER_TYPE.test(args.type)) return;
        if (args.props.aadProfile?.enableAzureRBAC !== true) {
            reportViolation(`ManagedCluster '${args.name}' does not set aadProfile.enableAzureRBAC: true.`);
        }
    },
};

export const aksLocalAccountsDisabled: ResourceValidationPolicy = {
    name: "aks-local-accounts-disabled",
    description: "The AKS cluster has local accounts (the static cluster-admin credential) disabled.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Set disableLocalAccounts: true (needs Azure RBAC or managed Entra ID). Dev stacks may relax this policy to advisory (policy/dev.json).",
    validateResource: (args, reportViolation) => {
        if (!CLUSTER_TYPE.test(args.type)) return;
        if (args.props.disableLocalAccounts !== true) {
            reportViolation(`ManagedCluster '${args.name}' does not set disableLocalAccounts: true.`);
        }
    },
};

export const azurePolicies: ResourceValidationPolicy[] = [
    acrAdminUserDisabled,
    acrAnonymousPullDisabled,
    aksAzureRbacEnabled,
    aksLocalAccountsDisabled,
];
