/**
 * The critical-alarm tone, generated with WebAudio (no audio file, nothing from the network): two
 * short descending beeps. Browsers start audio only after a user gesture; before it, the call is
 * a no-op (the banner still shows).
 */
let ctx: AudioContext | null = null;

/** Plays the tone at `volume` (0-1). Returns whether it could start. */
export function playAlarmTone(volume = 0.2): boolean {
  try {
    const AC = (globalThis as { AudioContext?: typeof AudioContext }).AudioContext;
    if (!AC) return false;
    ctx ??= new AC();
    if (ctx.state === 'suspended') void ctx.resume();
    const t0 = ctx.currentTime + 0.01;
    for (const [i, f] of [880, 660].entries()) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'square';
      osc.frequency.value = f;
      const at = t0 + i * 0.25;
      gain.gain.setValueAtTime(0, at);
      gain.gain.linearRampToValueAtTime(volume, at + 0.02);
      gain.gain.linearRampToValueAtTime(0, at + 0.2);
      osc.connect(gain).connect(ctx.destination);
      osc.start(at);
      osc.stop(at + 0.22);
    }
    return true;
  } catch {
    return false;
  }
}
