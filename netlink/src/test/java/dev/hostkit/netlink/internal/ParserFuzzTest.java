package dev.hostkit.netlink.internal;

import dev.hostkit.netlink.MultipathAndIpvlanParserTest;
import dev.hostkit.netlink.NetlinkParseException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static dev.hostkit.netlink.internal.RtnlConstants.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Over a million random and mutated datagrams through the decoder (fixed seed, so a failure repeats): the only
 * exception allowed out is {@link NetlinkParseException}, never an index error, a null pointer or a hang.
 */
class ParserFuzzTest {
    private static final long SEED = 0x5eed_4b17L;
    private static final int ROUNDS = 1_100_000;

    private final MessageParser parser = new MessageParser();

    private static List<byte[]> seeds() {
        List<byte[]> out = new ArrayList<>();
        out.add(bytes(MessageParserTest.macvlanLinkMessage()));
        out.add(bytes(MultipathAndIpvlanParserTest.ipvlanLinkMessage(1, 2, true)));
        out.add(bytes(MultipathAndIpvlanParserTest.ipv4MultipathRouteMessage()));
        MessageBuilder m = new MessageBuilder(512);
        // A datagram with several messages: vlan link, veth link, IPv4 address, IPv6 route, DONE.
        m.beginMessage(RTM_NEWLINK, NLM_F_MULTI, 3);
        m.ifinfomsg(0, 1, 3, IFF_UP, 0);
        m.attrString(IFLA_IFNAME, "hkv.5");
        int info = m.beginNestedPlain(IFLA_LINKINFO);
        m.attrString(IFLA_INFO_KIND, "vlan");
        int data = m.beginNestedPlain(IFLA_INFO_DATA);
        m.attrU16(IFLA_VLAN_ID, 5);
        m.attrU16Be(IFLA_VLAN_PROTOCOL, ETH_P_8021Q);
        m.endNested(data);
        m.endNested(info);
        m.endMessage();
        m.beginMessage(RTM_NEWLINK, NLM_F_MULTI, 3);
        m.ifinfomsg(0, 1, 4, 0, 0);
        m.attrString(IFLA_IFNAME, "hkveth0");
        int info2 = m.beginNested(IFLA_LINKINFO);
        m.attrString(IFLA_INFO_KIND, "veth");
        m.endNested(info2);
        m.endMessage();
        m.beginMessage(RTM_NEWADDR, NLM_F_MULTI, 3);
        m.ifaddrmsg(2, 24, 0x80, 0, 4);
        m.attrBytes(IFA_ADDRESS, new byte[] {10, 0, 0, 1});
        m.attrBytes(IFA_LOCAL, new byte[] {10, 0, 0, 1});
        m.attrBytes(IFA_BROADCAST, new byte[] {10, 0, 0, (byte) 255});
        m.attrString(IFA_LABEL, "hkveth0");
        m.attrU32(IFA_FLAGS, 0x80);
        m.endMessage();
        m.beginMessage(RTM_NEWROUTE, NLM_F_MULTI, 3);
        m.rtmsg(10, 64, 0, 0, 254, 3, 0, 1, 0);
        m.attrBytes(RTA_DST, new byte[16]);
        m.attrBytes(RTA_GATEWAY, new byte[] {(byte) 0xfe, (byte) 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
        m.attrU32(RTA_OIF, 4);
        m.attrU32(RTA_PRIORITY, 1024);
        m.attrU32(RTA_TABLE, 254);
        m.endMessage();
        m.beginMessage(NLMSG_DONE, NLM_F_MULTI, 3);
        m.attrU32(0, 0);
        m.endMessage();
        out.add(bytes(m.written()));
        m.clear().beginMessage(NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS, 9);
        m.ifinfomsg(0, 0, 0, 0, 0);
        m.rtgenmsg(0);
        m.attrString(NLMSGERR_ATTR_MSG, "Invalid MTU");
        m.endMessage();
        out.add(bytes(m.written()));
        m.clear().beginMessage(RTM_NEWNSID, 0, 1);
        m.rtgenmsg(0);
        m.attrU32(NETNSA_NSID, 3);
        m.endMessage();
        out.add(bytes(m.written()));
        return out;
    }

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }

    // A decoder that loops forever on some input must fail the test, not hang the build: the separate thread is
    // abandoned at the limit even if the loop never checks for interruption (Surefire's fork timeout is the backstop).
    @Test
    @Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void onlyTheTypedParseErrorEscapesFromMillionsOfMalformedMessages() {
        SplittableRandom random = new SplittableRandom(SEED);
        List<byte[]> seeds = seeds();
        ByteBuffer buf = ByteBuffer.allocate(4096).order(ByteOrder.nativeOrder());
        byte[] work = new byte[4096];
        int parsed = 0;
        int rejected = 0;
        for (int round = 0; round < ROUNDS; round++) {
            int len = mutate(random, seeds, work);
            buf.clear();
            buf.put(work, 0, len).flip();
            try {
                parsed += decodeDatagram(buf);
            } catch (NetlinkParseException expected) {
                rejected++;
            } catch (RuntimeException e) {
                throw new AssertionError("round " + round + " (seed " + SEED + ") escaped with " + e, e);
            }
        }
        // Both outcomes must be common, or the mutations are too weak or too wild to test anything.
        assertThat(parsed).isGreaterThan(ROUNDS / 20);
        assertThat(rejected).isGreaterThan(ROUNDS / 20);
    }

    private static int mutate(SplittableRandom r, List<byte[]> seeds, byte[] out) {
        int kind = r.nextInt(10);
        if (kind == 0) { // pure noise, sometimes with a plausible header
            int len = r.nextInt(300);
            for (int i = 0; i < len; i++) {
                out[i] = (byte) r.nextInt(256);
            }
            if (len >= 16 && r.nextBoolean()) {
                ByteBuffer.wrap(out)
                        .order(ByteOrder.nativeOrder())
                        .putInt(0, len)
                        .putShort(4, (short) (16 + r.nextInt(12)));
            }
            return len;
        }
        byte[] seed = seeds.get(r.nextInt(seeds.size()));
        int len = seed.length;
        System.arraycopy(seed, 0, out, 0, len);
        ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.nativeOrder());
        int edits = 1 + r.nextInt(4);
        for (int e = 0; e < edits && len >= 2; e++) {
            switch (r.nextInt(6)) {
                case 0 -> out[r.nextInt(len)] = (byte) r.nextInt(256); // random byte
                case 1 -> { // a 16-bit field (an attribute length or type) set to a boundary value
                    int at = r.nextInt(len - 1) & ~1;
                    int[] v = {0, 1, 3, 4, 5, 8, 0xffff, 0x8000, len, len - at, r.nextInt(65536)};
                    b.putShort(at, (short) v[r.nextInt(v.length)]);
                }
                case 2 -> len = r.nextInt(len + 1); // truncate
                case 3 -> b.putInt(0, r.nextInt(len + 8)); // nlmsg_len
                case 4 -> { // duplicate a slice (attribute repeats, nesting confusion)
                    int from = r.nextInt(len);
                    int n = Math.min(r.nextInt(32), out.length - len);
                    n = Math.min(n, len - from);
                    System.arraycopy(out, from, out, len, n);
                    len += n;
                }
                default -> b.putShort(4, (short) (16 + r.nextInt(80))); // message type
            }
        }
        return len;
    }

    /** Decodes every message of a datagram as the channel and subscriptions do; returns how many decoded. */
    private int decodeDatagram(ByteBuffer b) {
        int n = 0;
        int end = b.limit();
        for (int off = 0; off < end; ) {
            int len = MessageParser.messageLength(b, off, end);
            switch (MessageParser.type(b, off)) {
                case RTM_NEWLINK, RTM_DELLINK -> parser.link(b, off, len);
                case RTM_NEWADDR, RTM_DELADDR -> parser.address(b, off, len);
                case RTM_NEWROUTE, RTM_DELROUTE -> parser.route(b, off, len);
                case RTM_NEWNSID -> parser.nsid(b, off, len);
                case NLMSG_ERROR -> {
                    MessageParser.errorCode(b, off, len);
                    parser.extAck(b, off, len);
                }
                default -> {}
            }
            n++;
            off += MessageParser.align(len);
        }
        return n;
    }
}
