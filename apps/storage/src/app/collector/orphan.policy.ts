import type { OwnedCandidate } from './orphan-scan.repository';

export interface OwnerGroup {
  tenant: string;
  assetId: string;
  ids: string[];
}

/**
 * Candidates grouped by the asset they claim to belong to, at most `maxIds` ids a group (one reference
 * check each). A candidate without an owner in its metadata forms a group of its own with empty names:
 * no asset references it, so it is garbage once past the grace period.
 */
export function groupByOwner(candidates: readonly OwnedCandidate[], maxIds: number): OwnerGroup[] {
  const groups = new Map<string, OwnerGroup[]>();
  for (const candidate of candidates) {
    const key = `${candidate.tenant}\u0000${candidate.assetId}`;
    const list = groups.get(key) ?? [];
    const open = list.at(-1);
    if (open && open.ids.length < maxIds) open.ids.push(candidate.id);
    else list.push({ tenant: candidate.tenant, assetId: candidate.assetId, ids: [candidate.id] });
    groups.set(key, list);
  }
  return [...groups.values()].flat();
}

/** The ids of a group its asset does not reference. */
export function unreferenced(group: OwnerGroup, referenced: readonly string[]): string[] {
  const kept = new Set(referenced);
  return group.ids.filter((id) => !kept.has(id));
}

/** Where the next pass starts: after the last id seen, or from the beginning once a scan came back short. */
export function nextCursor(seen: readonly string[], limit: number, start: string): string {
  return seen.length < limit ? start : (seen.at(-1) ?? start);
}
