/** Types shared by the simulator and its command responder (own file: no import cycle between them). */

/** One publishing source. */
export interface SimDevice {
  readonly park: string;
  readonly code: string;
  readonly type: string;
  readonly capacity: number | null;
  readonly ratedKw: number | null;
  readonly perimeter: boolean;
  /** 'enterprise' for economic reporters. */
  readonly source: 'equipment' | 'enterprise';
}

/** A message the simulator would publish. */
export interface SimMessage {
  readonly topic: string;
  readonly payload: Record<string, unknown>;
  readonly qos: 0 | 1;
}
