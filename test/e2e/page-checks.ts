import { createRequire } from 'node:module';
import type { Locator, Page } from 'playwright-core';
import { blend, contrastRatio, parseColor, type Rgba, requiredRatio } from './contrast.ts';

/**
 * Everything on the page that sticks out sideways: the document scrolling wider than the viewport,
 * and every rendered element whose box reaches left of 0 or right of `innerWidth`. A box that a
 * scroll container (`overflow: auto`) holds still counts: a person has to scroll sideways to read
 * it. Only a clip (`overflow: hidden` / `clip`) or an invisible element hides one.
 */
export function horizontalOverflow(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = window.innerWidth;
    const found: string[] = [];
    const scrollWidth = document.scrollingElement?.scrollWidth ?? 0;
    if (scrollWidth > width) found.push(`document scrolls to ${scrollWidth} px (viewport ${width} px)`);
    const name = (el: Element) => {
      const cls =
        typeof el.className === 'string' && el.className
          ? `.${el.className.trim().split(/\s+/).join('.')}`
          : '';
      const text = (el.textContent ?? '').trim().slice(0, 40);
      return `${el.tagName.toLowerCase()}${cls}${text ? ` "${text}"` : ''}`;
    };
    for (const el of document.querySelectorAll('body *')) {
      const style = getComputedStyle(el);
      if (style.visibility === 'hidden' || style.display === 'contents') continue;
      const box = el.getBoundingClientRect();
      // Visually hidden text for screen readers is a 1 px clipped box: nothing a person sees.
      if (box.width <= 1 || box.height <= 1) continue;
      let left = box.left;
      let right = box.right;
      for (let up = el.parentElement; up; up = up.parentElement) {
        const s = getComputedStyle(up);
        if (s.overflowX === 'hidden' || s.overflowX === 'clip') {
          const clip = up.getBoundingClientRect();
          left = Math.max(left, clip.left);
          right = Math.min(right, clip.right);
        }
      }
      if (right <= left) continue;
      if (right > width + 0.5 || left < -0.5)
        found.push(`${name(el)} spans x=${Math.round(left)}..${Math.round(right)} (viewport ${width} px)`);
    }
    return found;
  });
}

/** Where `locator` sits horizontally, and whether it lies wholly inside the viewport (0..innerWidth). */
export async function horizontalPlacement(
  locator: Locator,
): Promise<{ left: number; right: number; width: number; inside: boolean }> {
  const box = await locator.boundingBox();
  if (!box) throw new Error('element is not rendered');
  const width = await locator.page().evaluate(() => window.innerWidth);
  const right = box.x + box.width;
  return { left: box.x, right, width, inside: box.x >= -0.5 && right <= width + 0.5 };
}

/** One axe-core result: a rule broken somewhere on the page. */
export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; summary: string }[];
}

const axeSource: string = (createRequire(import.meta.url)('axe-core') as { source: string }).source;

/**
 * Run axe-core on the page with the WCAG 2.0 / 2.1 A and AA rules and return the violations.
 * The app's CSP (`script-src 'self'`) blocks an injected `<script>`; `page.evaluate` runs through
 * the DevTools protocol, which CSP does not govern, so the page's policy stays as served.
 */
export async function runAxe(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate(() => 'axe' in window);
  if (!loaded) await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: typeof import('axe-core') }).axe;
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
      resultTypes: ['violations'],
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? null,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.map(String), summary: n.failureSummary ?? '' })),
    }));
  });
}

/** A known violation waiting for a markup change: axe-core rule id and the node's CSS selector. */
export interface PendingViolation {
  rule: string;
  target: string;
}

/**
 * Violations of impact serious or critical, one line per node (rule, impact, where, why) for a
 * failure message; nodes listed in `pending` (same rule, same target) are left out.
 */
export function seriousViolations(
  violations: AxeViolation[],
  pending: readonly PendingViolation[] = [],
): string[] {
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) =>
      v.nodes
        .filter((n) => !pending.some((p) => p.rule === v.id && p.target === n.target.join(' ')))
        .map(
          (n) =>
            `${v.id} (${v.impact}) at ${n.target.join(' ')}: ${v.help}. ${n.summary.replace(/\s+/g, ' ')}`,
        ),
    );
}

/** Text painted over a gradient: its colour and size, and the colours its background passes through. */
interface GradientText {
  where: string;
  color: string;
  opacity: number;
  fontSize: number;
  fontWeight: number;
  stops: string[];
  /** The first opaque background colour behind the gradient, for stops that are not opaque. */
  under: string;
  /** The gradient fills the text itself (`background-clip: text`): the stops are text colours. */
  clipped: boolean;
}

/**
 * Text contrast on gradients, which axe-core leaves "incomplete" (it cannot pick one background).
 * For every visible text node whose nearest painted background is a gradient, the text colour is
 * checked against every colour stop of that gradient (the worst case is at some stop, since the
 * gradient runs straight between them). Returns each shortfall as "where: ratio < needed".
 */
export async function gradientContrastFailures(page: Page): Promise<string[]> {
  const texts: GradientText[] = await page.evaluate(() => {
    const out: GradientText[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const seen = new Set<Element>();
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const el = node.parentElement;
      if (!el || seen.has(el) || !(node.textContent ?? '').trim()) continue;
      seen.add(el);
      const style = getComputedStyle(el);
      const box = el.getBoundingClientRect();
      if (style.visibility === 'hidden' || box.width <= 1 || box.height <= 1) continue;
      let opacity = 1;
      let clipped = false;
      let stops: string[] | null = null;
      let under = 'rgb(255, 255, 255)';
      for (let up: Element | null = el; up; up = up.parentElement) {
        const s = getComputedStyle(up);
        if (stops === null && s.backgroundImage.includes('gradient(')) {
          stops = s.backgroundImage.match(/rgba?\([^)]*\)/g) ?? [];
          if (s.backgroundClip === 'text' || s.webkitBackgroundClip === 'text') {
            // Gradient-filled text: each stop is a text colour, over whatever lies below.
            clipped = true;
            stops = stops.filter((c) => c !== 'rgba(0, 0, 0, 0)');
            continue;
          }
          if (s.backgroundColor !== 'rgba(0, 0, 0, 0)') {
            under = s.backgroundColor;
            break;
          }
          continue;
        }
        if (stops === null) opacity *= Number.parseFloat(s.opacity);
        if (s.backgroundColor !== 'rgba(0, 0, 0, 0)') {
          if (stops === null) break; // a plain background comes first: axe-core checks that one
          under = s.backgroundColor;
          if (!s.backgroundColor.startsWith('rgba')) break;
        }
      }
      if (stops === null || stops.length === 0) continue;
      const cls = typeof el.className === 'string' ? el.className : '';
      out.push({
        where: `${el.tagName.toLowerCase()}${cls ? `.${cls.trim().split(/\s+/).join('.')}` : ''} "${(el.textContent ?? '').trim().slice(0, 30)}"`,
        color: style.color,
        opacity,
        fontSize: Number.parseFloat(style.fontSize),
        fontWeight: Number.parseInt(style.fontWeight, 10),
        stops,
        under,
        clipped,
      });
    }
    return out;
  });
  const failures: string[] = [];
  for (const t of texts) {
    const needed = requiredRatio(t.fontSize, t.fontWeight);
    const colors = t.stops.map(parseColor);
    // A translucent stop shows what lies under it: the gradient's opaque stops, else the colour below.
    const opaque = colors.filter((c) => c.a === 1);
    const grounds = opaque.length > 0 ? opaque : [parseColor(t.under)];
    if (t.clipped) {
      const bg = parseColor(t.under);
      for (const [i, stop] of colors.entries()) {
        const ratio = contrastRatio(blend(stop, bg, t.opacity), bg);
        if (ratio < needed)
          failures.push(
            `${t.where}: text ${t.stops[i]} on ${t.under} is ${ratio.toFixed(2)}:1 < ${needed}:1`,
          );
      }
      continue;
    }
    for (const [i, stop] of colors.entries()) {
      for (const ground of stop.a === 1 ? [stop] : grounds) {
        const bg: Rgba = blend(stop, ground);
        const fg = blend(parseColor(t.color), bg, t.opacity);
        const ratio = contrastRatio(fg, bg);
        if (ratio < needed)
          failures.push(`${t.where}: ${t.color} on ${t.stops[i]} is ${ratio.toFixed(2)}:1 < ${needed}:1`);
      }
    }
  }
  return failures;
}

/**
 * Wait until every finite animation and transition on the page has run out, so a check sees the
 * colours and boxes a person sees once things stop moving (a bubble fading in is transparent
 * for a moment; endless glows never end and are left alone).
 */
export async function settle(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const finite = () =>
      document
        .getAnimations()
        .filter((a) => a.playState === 'running' && a.effect?.getComputedTiming().iterations !== Infinity);
    for (let running = finite(); running.length > 0; running = finite())
      await Promise.all(running.map((a) => a.finished.catch(() => undefined)));
  });
}
