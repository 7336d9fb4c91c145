/** Reads a CSV or text file of 20-digit trace codes (any separators), reporting progress as it goes. */
export interface TraceFile {
  readonly codes: string[];
  /** Tokens that are not 20-digit codes, with their line numbers (first ten). */
  readonly bad: { line: number; text: string }[];
  readonly duplicates: number;
}

export const parseTraceCodes = (text: string): TraceFile => {
  const codes: string[] = [];
  const seen = new Set<string>();
  const bad: { line: number; text: string }[] = [];
  let duplicates = 0;
  text.split(/\r?\n/).forEach((row, i) => {
    for (const token of row.split(/[,;\t ]+/)) {
      const cell = token.replace(/^"|"$/g, '').trim();
      if (!cell) continue;
      if (!/^\d{20}$/.test(cell)) {
        // A header row is not an error.
        if (!(i === 0 && /[a-z]/i.test(cell)) && bad.length < 10) bad.push({ line: i + 1, text: cell.slice(0, 40) });
        continue;
      }
      if (seen.has(cell)) {
        duplicates += 1;
        continue;
      }
      seen.add(cell);
      codes.push(cell);
    }
  });
  return { codes, bad, duplicates };
};

export const readFileWithProgress = (file: File, onProgress: (percent: number) => void): Promise<string> =>
  new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onprogress = (e) => e.lengthComputable && onProgress(Math.round((e.loaded / e.total) * 100));
    reader.onload = () => (onProgress(100), resolve(String(reader.result)));
    reader.onerror = () => reject(reader.error ?? new Error('read failed'));
    reader.readAsText(file);
  });
