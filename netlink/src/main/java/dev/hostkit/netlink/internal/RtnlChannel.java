package dev.hostkit.netlink.internal;

import com.sun.jna.LastErrorException;
import dev.hostkit.core.Errno;
import dev.hostkit.core.internal.LibC;
import dev.hostkit.netlink.NetlinkException;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import static dev.hostkit.netlink.internal.RtnlConstants.*;

/**
 * Request/response over one {@link NetlinkSocket} of any netlink protocol (rtnetlink, sock_diag): ACKed changes,
 * single-reply gets, multi-part dumps (retried when the kernel marks them interrupted) and pipelined batches whose
 * ACKs are matched to requests by sequence number. Thread-safe: one exchange at a time holds the lock.
 */
public final class RtnlChannel implements AutoCloseable {
    /** How often an interrupted dump ({@code NLM_F_DUMP_INTR}) is started again before giving up. */
    public static final int DUMP_ATTEMPTS = 5;
    // Requests in flight per datagram; their ACKs must fit in the receive buffer at once.
    private static final int BATCH_WINDOW = 256;

    private static final AtomicLong INTERRUPTED_DUMPS = new AtomicLong();

    private final NetlinkSocket socket;
    // Borrowed for each exchange (most requests are a few hundred bytes; grows when a batch needs more) and given back
    // with the receive buffer when the exchange is over: see unlock().
    private final MessageBuilder out = MessageBuilder.lent();
    private final MessageParser parser = new MessageParser();
    private final ReentrantLock lock = new ReentrantLock();
    private int seq = (int) (System.nanoTime() & 0x3fff_ffff);
    // Tests: how many coming dumps get NLM_F_DUMP_INTR forced onto their replies from the second message on.
    private final java.util.concurrent.atomic.AtomicInteger forcedInterruptions =
            new java.util.concurrent.atomic.AtomicInteger();

    private RtnlChannel(NetlinkSocket socket) {
        this.socket = socket;
    }

    /** How many dumps this JVM has started again because the kernel marked them interrupted (for metrics and tests). */
    public static long interruptedDumps() {
        return INTERRUPTED_DUMPS.get();
    }

    /**
     * For tests: the next {@code dumps} dumps on this channel read as if the kernel had set
     * {@code NLM_F_DUMP_INTR} from their second reply message on (the first item already delivered), which
     * a real dump gets only when a change races it.
     */
    public void forceDumpInterruptions(int dumps) {
        forcedInterruptions.set(dumps);
    }

    /** Opens a {@code NETLINK_ROUTE} request socket in the calling thread's namespace. */
    public static RtnlChannel open() {
        return open(NETLINK_ROUTE);
    }

    /** Opens a request socket of netlink {@code protocol} in the calling thread's namespace. */
    public static RtnlChannel open(int protocol) {
        return new RtnlChannel(NetlinkSocket.open(protocol, 0, 2 * 1024 * 1024));
    }

    /** Whether dump filters are honoured by the kernel ({@code NETLINK_GET_STRICT_CHK}). */
    public boolean strictCheck() {
        return socket.strictCheck();
    }

    /** Bytes the kernel has sent on this channel's socket. */
    public long receivedBytes() {
        lock.lock();
        try {
            return socket.receivedBytes();
        } finally {
            unlock();
        }
    }

    /** The socket's {@code SO_NETNS_COOKIE}. */
    public long netnsCookie() {
        return socket.netnsCookie();
    }

    /** Decodes one message of a reply. */
    @FunctionalInterface
    public interface ItemParser<T> {
        /** @return the item, or {@code null} to skip the message */
        T parse(MessageParser parser, ByteBuffer b, int off, int len);
    }

    /** Writes the family struct and attributes of a request after its header. */
    @FunctionalInterface
    public interface Body {
        /** Writes into {@code m}. */
        void write(MessageBuilder m);
    }

    /** One request of a batch. */
    public record Request(int type, int flags, Body body, String operation, String target) {}

    /**
     * Sends a change request with {@code NLM_F_ACK} and waits for its ACK.
     *
     * @throws NetlinkException when the kernel answers with an error
     */
    public void ack(Request r) {
        lock.lock();
        try {
            int s = nextSeq();
            out.clear().beginMessage(r.type(), r.flags() | NLM_F_REQUEST | NLM_F_ACK, s);
            r.body().write(out);
            out.endMessage();
            send(r.operation(), r.target());
            awaitAck(s, r.operation(), r.target());
        } finally {
            unlock();
        }
    }

    /**
     * Sends a get request that the kernel answers with one message and decodes it.
     *
     * @throws NetlinkException when the kernel answers with an error (ENODEV for a missing link)
     */
    public <T> T get(int type, Body body, ItemParser<T> item, String operation, String target) {
        lock.lock();
        try {
            int s = nextSeq();
            out.clear().beginMessage(type, NLM_F_REQUEST, s);
            body.write(out);
            out.endMessage();
            send(operation, target);
            List<T> result = new ArrayList<>(1);
            readReplies(s, operation, target, (b, off, len) -> {
                int t = MessageParser.type(b, off);
                if (t == NLMSG_ERROR) {
                    throwIfError(b, off, len, operation, target);
                    return false;
                }
                if (t == NLMSG_NOOP || t == NLMSG_DONE) {
                    return false;
                }
                result.add(item.parse(parser, b, off, len));
                return true;
            });
            return result.get(0);
        } finally {
            unlock();
        }
    }

    /** Handles one message of a reply; returns true when the exchange is complete. */
    @FunctionalInterface
    private interface ReplyHandler {
        boolean handle(ByteBuffer b, int off, int len);
    }

    /**
     * Receives datagrams and hands each message that carries sequence number {@code s} to {@code handler} until it
     * says the exchange is complete; messages of other (abandoned) exchanges are skipped.
     */
    private void readReplies(int s, String operation, String target, ReplyHandler handler) {
        while (true) {
            ByteBuffer b = receive(operation, target);
            int end = b.limit();
            for (int off = 0; off < end; ) {
                int len = MessageParser.messageLength(b, off, end);
                if (MessageParser.seq(b, off) == s && handler.handle(b, off, len)) {
                    return;
                }
                off += MessageParser.align(len);
            }
        }
    }

    /**
     * Runs a dump and hands every decoded item to {@code sink}. An interrupted dump is started again (the
     * sink is told through {@code restart}) up to {@link #DUMP_ATTEMPTS} times, never returned half.
     */
    public <T> void dump(
            int type,
            Body body,
            ItemParser<T> item,
            Consumer<T> sink,
            Runnable restart,
            String operation,
            String target) {
        lock.lock();
        try {
            for (int attempt = 1; ; attempt++) {
                if (dumpOnce(type, body, item, sink, operation, target)) {
                    return;
                }
                if (attempt == DUMP_ATTEMPTS) {
                    throw new NetlinkException(
                            operation,
                            target,
                            Errno.EINTR.number(),
                            "dump was interrupted by concurrent changes " + DUMP_ATTEMPTS + " times in a row");
                }
                INTERRUPTED_DUMPS.incrementAndGet();
                restart.run();
            }
        } finally {
            unlock();
        }
    }

    private <T> boolean dumpOnce(
            int type, Body body, ItemParser<T> item, Consumer<T> sink, String operation, String target) {
        int s = nextSeq();
        out.clear().beginMessage(type, NLM_F_REQUEST | NLM_F_DUMP, s);
        body.write(out);
        out.endMessage();
        send(operation, target);
        boolean[] interrupted = {false};
        boolean force = forcedInterruptions.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
        int[] seen = {0};
        readReplies(s, operation, target, (b, off, len) -> {
            int flags = MessageParser.flags(b, off) | (force && seen[0]++ > 0 ? NLM_F_DUMP_INTR : 0);
            interrupted[0] |= (flags & NLM_F_DUMP_INTR) != 0;
            int t = MessageParser.type(b, off);
            if (t == NLMSG_DONE) {
                if (len >= NLMSG_HDRLEN + 4 && b.getInt(off + NLMSG_HDRLEN) < 0) {
                    throw new NetlinkException(
                            operation, target, -b.getInt(off + NLMSG_HDRLEN), parser.extAck(b, off, len));
                }
                return true;
            }
            if (t == NLMSG_ERROR) {
                throwIfError(b, off, len, operation, target);
            } else if (t != NLMSG_NOOP && !interrupted[0]) {
                T value = item.parse(parser, b, off, len);
                if (value != null) {
                    sink.accept(value);
                }
            }
            return false;
        });
        return !interrupted[0];
    }

    /**
     * Sends all requests pipelined (many per datagram, each with {@code NLM_F_ACK}) and matches the ACKs by
     * sequence number.
     *
     * @return per request: {@code null} for success or the kernel's error
     */
    public NetlinkException[] batch(List<Request> requests) {
        NetlinkException[] results = new NetlinkException[requests.size()];
        lock.lock();
        try {
            for (int from = 0; from < requests.size(); from += BATCH_WINDOW) {
                int to = Math.min(requests.size(), from + BATCH_WINDOW);
                if (seq > 0x7000_0000) {
                    seq = 0; // keep the window's sequence numbers contiguous
                }
                int first = seq + 1;
                out.clear();
                for (int i = from; i < to; i++) {
                    Request r = requests.get(i);
                    out.beginMessage(r.type(), r.flags() | NLM_F_REQUEST | NLM_F_ACK, nextSeq());
                    r.body().write(out);
                    out.endMessage();
                }
                send("batch", to - from + " requests");
                awaitBatch(first, from, to, requests, results);
            }
            return results;
        } finally {
            unlock();
        }
    }

    private void awaitBatch(int firstSeq, int from, int to, List<Request> requests, NetlinkException[] results) {
        int pending = to - from;
        while (pending > 0) {
            ByteBuffer b = receive("batch", pending + " ACKs");
            int end = b.limit();
            for (int off = 0; off < end; ) {
                int len = MessageParser.messageLength(b, off, end);
                int i = from + (MessageParser.seq(b, off) - firstSeq);
                if (MessageParser.type(b, off) == NLMSG_ERROR && i >= from && i < to) {
                    int errno = MessageParser.errorCode(b, off, len);
                    if (errno != 0) {
                        Request r = requests.get(i);
                        results[i] = new NetlinkException(r.operation(), r.target(), errno, parser.extAck(b, off, len));
                    }
                    pending--;
                }
                off += MessageParser.align(len);
            }
        }
    }

    private void awaitAck(int s, String operation, String target) {
        readReplies(s, operation, target, (b, off, len) -> {
            if (MessageParser.type(b, off) != NLMSG_ERROR) {
                return false;
            }
            throwIfError(b, off, len, operation, target);
            return true;
        });
    }

    private void throwIfError(ByteBuffer b, int off, int len, String operation, String target) {
        int errno = MessageParser.errorCode(b, off, len);
        if (errno != 0) {
            throw new NetlinkException(operation, target, errno, parser.extAck(b, off, len));
        }
    }

    private void send(String operation, String target) {
        ByteBuffer data = out.written();
        try {
            socket.send(data);
        } catch (dev.hostkit.core.NativeException e) {
            throw new NetlinkException(operation, target, e.errnoNumber(), "sending the request failed");
        }
    }

    private ByteBuffer receive(String operation, String target) {
        try {
            return socket.receive();
        } catch (LastErrorException e) {
            throw new NetlinkException(operation, target, LibC.errno(e), "receiving the reply failed");
        }
    }

    // For tests: whether this channel holds a buffer between exchanges.
    boolean holdsBuffers() {
        return out.holdsBuffer() || socket.holdsReceiveBuffer();
    }

    // Ends an exchange: the outermost holder (a dump's sink may call this channel again) gives the buffers back.
    private void unlock() {
        try {
            if (lock.getHoldCount() == 1) {
                out.release();
                socket.releaseReceiveBuffer();
            }
        } finally {
            lock.unlock();
        }
    }

    private int nextSeq() {
        seq = (seq + 1) & 0x7fff_ffff;
        if (seq == 0) {
            seq = 1;
        }
        return seq;
    }

    /** Closes the socket. Idempotent. */
    @Override
    public void close() {
        socket.close();
    }
}
