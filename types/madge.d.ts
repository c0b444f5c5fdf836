/** The part of madge's API the structure test uses (the package ships no types). */
declare module 'madge' {
  interface MadgeResult {
    /** Dependency graph: file -> files it imports, paths relative to baseDir. */
    obj(): Record<string, string[]>;
    /** Every import cycle, as the list of files in it. */
    circular(): string[][];
    /** Files madge could not resolve. */
    warnings(): { skipped: string[] };
  }
  interface MadgeConfig {
    baseDir?: string;
    fileExtensions?: string[];
    excludeRegExp?: RegExp[];
    tsConfig?: string | object;
    detectiveOptions?: Record<string, unknown>;
  }
  export default function madge(path: string | string[], config?: MadgeConfig): Promise<MadgeResult>;
}
