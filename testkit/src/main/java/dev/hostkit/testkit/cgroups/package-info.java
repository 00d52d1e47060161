/**
 * A cgroup fixture builder: {@link dev.hostkit.testkit.cgroups.CgroupFixture} lays out a host's memory cgroup
 * hierarchy as plain files the way a given kernel shows it (3.10 with kmem accounting, 4.19, 6.x on v1, v2 and
 * hybrid), so code that reads {@code /proc} and {@code /sys/fs/cgroup} is tested without root or that kernel.
 */
package dev.hostkit.testkit.cgroups;
