/**
 * Memory and kmem inspection of cgroup v1 and v2 hierarchies that finds the memcg leak before {@code mkdir} fails.
 *
 * <p>Start with {@link dev.hostkit.cgroups.CgroupFs#system()} (or {@code CgroupFs.at(fixtureRoot)}), then
 * {@link dev.hostkit.cgroups.MemoryCensus#counts} for live/dying/ID headroom/risk, {@link dev.hostkit.cgroups.MemoryCensus#full}
 * for every cgroup's {@link dev.hostkit.cgroups.MemoryStats}, {@link dev.hostkit.cgroups.KmemVerdict} for kmem accounting,
 * {@link dev.hostkit.cgroups.OrphanCgroup#find} for cgroups of gone pods/containers and
 * {@link dev.hostkit.cgroups.MkdirDiagnosis} for a failed mkdir. Readers are tolerant: a file a kernel lacks is an
 * absent value, a cgroup removed mid-read is skipped, and only garbage or an unreadable file is a
 * {@link dev.hostkit.cgroups.CgroupException}.
 */
package dev.hostkit.cgroups;
