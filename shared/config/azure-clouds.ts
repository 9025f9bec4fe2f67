/** Endpoints and token audiences of the Azure clouds the contract names. */
export const AZURE_CLOUDS = {
  AzurePublicCloud: {
    armEndpoint: "https://management.azure.com",
    armAudience: "https://management.azure.com/.default",
    logsEndpoint: "https://api.loganalytics.io/v1",
    logsAudience: "https://api.loganalytics.io/.default",
    storageSuffix: "core.windows.net",
  },
  AzureChinaCloud: {
    armEndpoint: "https://management.chinacloudapi.cn",
    armAudience: "https://management.chinacloudapi.cn/.default",
    logsEndpoint: "https://api.loganalytics.azure.cn/v1",
    logsAudience: "https://api.loganalytics.azure.cn/.default",
    storageSuffix: "core.chinacloudapi.cn",
  },
  AzureUSGovernment: {
    armEndpoint: "https://management.usgovcloudapi.net",
    armAudience: "https://management.usgovcloudapi.net/.default",
    logsEndpoint: "https://api.loganalytics.us/v1",
    logsAudience: "https://api.loganalytics.us/.default",
    storageSuffix: "core.usgovcloudapi.net",
  },
} as const;

export type AzureCloudName = keyof typeof AZURE_CLOUDS;
export const AZURE_CLOUD_NAMES = Object.keys(AZURE_CLOUDS) as AzureCloudName[];
