import type { TFunction } from 'i18next';

/**
 * A readable label for this device ("Chrome on Linux", "Chrome（Linux）"), shown in the account's
 * device list. Built from the user agent only; it never needs to be exact. It is worded in the
 * page's language at sign-in and kept by the server as it was written then.
 */
export function deviceName(t: TFunction, userAgent: string = navigator.userAgent): string {
  const browser = /Edg\//.test(userAgent)
    ? 'Edge'
    : /Firefox\//.test(userAgent)
      ? 'Firefox'
      : /Chrom(e|ium)\//.test(userAgent)
        ? 'Chrome'
        : /Safari\//.test(userAgent)
          ? 'Safari'
          : t('device.browser');
  const os = /Android/.test(userAgent)
    ? 'Android'
    : /iPhone|iPad/.test(userAgent)
      ? 'iOS'
      : /Mac OS X/.test(userAgent)
        ? 'macOS'
        : /Windows/.test(userAgent)
          ? 'Windows'
          : /Linux/.test(userAgent)
            ? 'Linux'
            : t('device.web');
  return t('device.name', { browser, os });
}
