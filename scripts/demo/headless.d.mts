/** Chromium's command-line flags for a quiet headless run. */
export const CHROMIUM_ARGS: string[];

/** A page open in headless Chromium. */
export interface HeadlessPage {
  /** Evaluates `expression` in the page and returns its (JSON) value. */
  evaluate(expression: string): Promise<unknown>;
  /** Writes a PNG of the whole page (or of `clip`, CSS pixels) to `file`; returns the page's size. */
  screenshot(file: string, options?: { clip?: { x: number; y: number; width: number; height: number } }): Promise<{ width: number; height: number }>;
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

/** Opens `url` in a fresh headless Chromium; resolves once the page's load event fired. */
export function openPage(
  executablePath: string,
  url: string,
  options?: { width?: number; height?: number; timeoutMillis?: number },
): Promise<HeadlessPage>;
