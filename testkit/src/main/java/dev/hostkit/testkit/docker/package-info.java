/**
 * A fake Docker Engine for fault injection: {@link dev.hostkit.testkit.docker.FakeDockerEngine} serves scripted
 * {@link dev.hostkit.testkit.docker.Reply replies} over HTTP/1.1 on a unix socket, including slow, missing,
 * malformed and dropped ones that a real engine will not produce on demand.
 */
package dev.hostkit.testkit.docker;
