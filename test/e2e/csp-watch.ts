import type { CDPSession, Page } from 'playwright-core';

/** What the DevTools protocol says about one CSP violation (the fields we print). */
interface CspIssueDetails {
  violatedDirective?: string;
  blockedURL?: string;
  contentSecurityPolicyViolationType?: string;
  sourceCodeLocation?: { url?: string; lineNumber?: number; columnNumber?: number };
}

interface AuditsIssue {
  code: string;
  details: { contentSecurityPolicyIssueDetails?: CspIssueDetails };
}

interface LogEntry {
  source: string;
  level: string;
  text: string;
  url?: string;
}

/** The binding the init script reports `securitypolicyviolation` events through. */
const BINDING = '__cinderCspViolation';

/**
 * Watches one page for Content-Security-Policy violations through every channel Chromium has:
 * DevTools issues (`Audits.issueAdded`: the only place a *caught* violation such as a
 * `new Function('')` probe in a try/catch shows up), DevTools log entries of source `security`,
 * and the page's own `securitypolicyviolation` events (an init script hands them to Node).
 * The console alone misses the first kind, so a browser test listening to it passes on a page
 * that breaks its own policy.
 */
export class CspWatch {
  private constructor(
    private readonly page: Page,
    private readonly cdp: CDPSession,
  ) {}

  /** Start watching `page`; call before its first navigation so nothing is missed. */
  static async attach(page: Page, report: (problem: string) => void): Promise<CspWatch> {
    const cdp = await page.context().newCDPSession(page);
    cdp.on('Audits.issueAdded', ({ issue }: { issue: AuditsIssue }) => {
      if (issue.code !== 'ContentSecurityPolicyIssue') return;
      report(`CSP (DevTools issue): ${describeIssue(issue.details.contentSecurityPolicyIssueDetails)}`);
    });
    cdp.on('Log.entryAdded', ({ entry }: { entry: LogEntry }) => {
      if (entry.source === 'security' || /Content Security Policy/i.test(entry.text))
        report(`CSP (DevTools log): ${entry.text}`);
    });
    await cdp.send('Audits.enable');
    await cdp.send('Log.enable');
    await page.exposeBinding(BINDING, (_source, text: string) => report(`CSP (page event): ${text}`));
    await page.addInitScript((binding: string) => {
      document.addEventListener('securitypolicyviolation', (e) => {
        const send = (window as unknown as Record<string, (text: string) => void>)[binding];
        send?.(
          `${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`,
        );
      });
    }, BINDING);
    return new CspWatch(page, cdp);
  }

  /**
   * Wait until Chromium has handed over what it reported so far: a DevTools round trip and a
   * page round trip (events are delivered in order before their answers). No-op on a closed page.
   */
  async flush(): Promise<void> {
    if (this.page.isClosed()) return;
    try {
      await this.cdp.send('Runtime.evaluate', { expression: '0' });
      await this.page.evaluate(() => new Promise((r) => setTimeout(r, 0)));
    } catch {
      // the page closed meanwhile: what it reported is already recorded
    }
  }
}

function describeIssue(details: CspIssueDetails | undefined): string {
  if (!details) return '(no details)';
  const where = details.sourceCodeLocation;
  const at = where ? ` at ${where.url ?? '?'}:${where.lineNumber ?? '?'}:${where.columnNumber ?? '?'}` : '';
  const blocked = details.blockedURL ? ` blocked ${details.blockedURL}` : '';
  return `${details.contentSecurityPolicyViolationType ?? 'violation'} of ${details.violatedDirective ?? '?'}${blocked}${at}`;
}
