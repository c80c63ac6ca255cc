/**
 * Azure public-cloud regions by programmatic name, and whether each has availability zones.
 * Source: MicrosoftDocs/reliability-docs articles/reliability/regions-list.md (ms.date 2025-09-23, read
 * 2026-11-26; platform-contracts CFG-5). Restricted-access regions are included (a subscription can be granted
 * them); sovereign clouds (US Gov, China) are not in that list.
 *
 * A name outside this list is a warning, not an error: regions open every few months and sovereign clouds use
 * other names, while Azure itself refuses a wrong name at deploy time. The warning catches the typo at preview.
 */
export const AZURE_REGIONS_READ = "2026-11-26";

/** Programmatic name → has availability zones. */
export const AZURE_REGIONS: Readonly<Record<string, boolean>> = {
    australiacentral: false,
    australiacentral2: false,
    australiaeast: true,
    australiasoutheast: false,
    austriaeast: true,
    belgiumcentral: true,
    brazilsouth: true,
    brazilsoutheast: false,
    canadacentral: true,
    canadaeast: false,
    centralindia: true,
    centralus: true,
    chilecentral: true,
    denmarkeast: true,
    eastasia: true,
    eastus: true,
    eastus2: true,
    francecentral: true,
    francesouth: false,
    germanynorth: false,
    germanywestcentral: true,
    indonesiacentral: true,
    israelcentral: true,
    italynorth: true,
    japaneast: true,
    japanwest: true,
    koreacentral: true,
    koreasouth: false,
    malaysiawest: true,
    mexicocentral: true,
    newzealandnorth: true,
    northcentralus: false,
    northeurope: true,
    norwayeast: true,
    norwaywest: false,
    polandcentral: true,
    qatarcentral: true,
    southafricanorth: true,
    southafricawest: false,
    southcentralus: true,
    southindia: false,
    southeastasia: true,
    spaincentral: true,
    swedencentral: true,
    switzerlandnorth: true,
    switzerlandwest: false,
    uaecentral: false,
    uaenorth: true,
    uksouth: true,
    ukwest: false,
    westcentralus: false,
    westeurope: true,
    westindia: false,
    westus: false,
    westus2: true,
    westus3: true,
};

/** Warnings about a region and the zones asked for in it. */
export function regionWarnings(location: string, zones: readonly string[]): string[] {
    if (!(location in AZURE_REGIONS)) {
        return [
            `location=${location} is not in the list of Azure public regions read ${AZURE_REGIONS_READ} (lib/azure/azureRegions.ts): ` +
                "check the spelling (`az account list-locations -o table`); a new or sovereign-cloud region is fine.",
        ];
    }
    if (zones.length > 0 && !AZURE_REGIONS[location]) {
        return [`availabilityZones=${JSON.stringify(zones)}: ${location} has no availability zones (per the region list read ${AZURE_REGIONS_READ}); Azure will refuse zonal pools there.`];
    }
    return [];
}
