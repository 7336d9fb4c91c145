import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';

const ROOT = join(__dirname, '..', '..');

/**
 * Debian's Chromium (apt-get install -y chromium; .ci/run installs it). Never downloaded:
 * when it is missing the browser tests fail, naming what to install.
 */
export const launchChromium = async (): Promise<Browser> => {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(executablePath))
    throw new Error(`the console's browser tests need Chromium at ${executablePath}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  return chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] });
};

const newest = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce((latest, entry) => {
    const path = join(dir, entry.name);
    return Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }, 0);

/** The tests drive the built console (as `npm run build` leaves it); rebuilt when its sources are newer. */
export const ensureConsoleBuilt = (): void => {
  const index = join(ROOT, 'dist', 'console', 'index.html');
  if (existsSync(index) && statSync(index).mtimeMs >= newest(join(ROOT, 'console'))) return;
  // jest runs with NODE_ENV=test, which would give Vite (and React) a development build.
  execFileSync('npm', ['run', 'build:console', '--silent'], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
  });
};

/** axe-core on the page as it stands: no serious or critical violation. */
export const expectAccessible = async (page: Page): Promise<void> => {
  let bad = await seriousViolations(page);
  // A toast that starts fading out (or in) after the wait for animations is measured mid-way,
  // half-transparent (seen once: `.ant-message-notice-title`). A real violation is still
  // there a moment later; an animation's is not. So a finding is checked once more.
  if (bad.length > 0) {
    await page.waitForTimeout(1_000);
    bad = await seriousViolations(page);
  }
  expect(bad).toEqual([]);
};

const seriousViolations = async (page: Page): Promise<string[]> => {
  // A dialog still fading in has half-transparent text: axe would measure its contrast mid-way.
  // (The function runs in the page, so it is passed as text: the test project has no DOM types.)
  // An animation that never finishes (a paused one: a select's list closing, seen in the AEFI
  // form) would hold the check for good: it waits two seconds at most.
  await page.evaluate(
    'Promise.race([Promise.allSettled(document.getAnimations().map((animation) => animation.finished)), new Promise((resolve) => setTimeout(resolve, 2000))])',
  );
  // The WCAG 2.1 A and AA rules (what the issue asks); best-practice rules are left out.
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} at ${v.nodes
          .map((n) => n.target.join(' '))
          .slice(0, 3)
          .join(' | ')}`,
    );
};

/**
 * A role's main page, for the README (docs/console/). Written only when CONSOLE_SCREENSHOTS=1
 * (`CONSOLE_SCREENSHOTS=1 npx jest test/console`), so ordinary runs leave the checkout clean;
 * the page is still driven to rest either way.
 */
export const screenshot = async (page: Page, name: string): Promise<void> => {
  // The page at rest: no passing notice, no table still loading.
  await page
    .locator('.ant-message-notice')
    .last()
    .waitFor({ state: 'detached', timeout: 8000 })
    .catch(() => undefined);
  await page
    .locator('.ant-spin-spinning')
    .first()
    .waitFor({ state: 'detached', timeout: 8000 })
    .catch(() => undefined);
  if (process.env.CONSOLE_SCREENSHOTS === '1')
    await page.screenshot({ path: join(ROOT, 'docs', 'console', `${name}.png`), fullPage: true });
};

/** A valid resident ID number (GB 11643 check character) for a test person. */
export const residentId = (region: string, birth: string, seq: number): string => {
  const body = `${region}${birth.replace(/-/g, '')}${String(seq).padStart(3, '0')}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((s, d, i) => s + Number(d) * weights[i]!, 0);
  return `${body}${'10X98765432'[sum % 11]}`;
};

/**
 * The element's text once it shows what is wanted (pages fill in as answers arrive), or its
 * text at the deadline, so the caller's expectation fails showing what was there instead.
 */
export const textWhen = async (locator: Locator, wanted: RegExp | string, timeoutMs = 20_000): Promise<string> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = (await locator.textContent({ timeout: 1000 }).catch(() => null)) ?? '';
    if (typeof wanted === 'string' ? text.includes(wanted) : wanted.test(text)) return text;
    if (Date.now() > deadline) return text;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

/** Expects the element to come to show the text (or match the pattern). */
export const expectText = async (locator: Locator, wanted: RegExp | string): Promise<void> => {
  const seen = await textWhen(locator, wanted);
  if (typeof wanted === 'string') expect(seen).toContain(wanted);
  else expect(seen).toMatch(wanted);
};
