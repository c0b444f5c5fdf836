// Values the global setup hands to test files through vitest's provide/inject.
import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    pgMissing: string | null;
    mqttMissing: string | null;
    chromiumMissing: string | null;
    pgliteTemplate: string;
  }
}
