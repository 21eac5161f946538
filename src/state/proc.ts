// Process liveness from /proc, robust against pid reuse: a pid is "ours" only while its start time
// (field 22 of /proc/PID/stat, in clock ticks since boot) matches what we recorded.
import { readText } from '../fileio';

export interface ProcStat { state: string; ppid: number; startTime: string }

export function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readText(`/proc/${pid}/stat`);
  } catch {
    return undefined;
  }
  // comm (field 2) may contain spaces and parentheses: fields resume after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: rest[0], ppid: Number(rest[1]), startTime: rest[19] };
}

export function startTimeOf(pid: number): string | undefined {
  return readStat(pid)?.startTime;
}

/** Alive and the same process we recorded (zombies count as dead: they only await reaping). */
export function isAlive(pid: number | undefined, startTime: string | undefined): boolean {
  if (!pid || pid <= 0) return false;
  const st = readStat(pid);
  if (!st || st.state === 'Z' || st.state === 'X') return false;
  return startTime === undefined || st.startTime === startTime;
}
