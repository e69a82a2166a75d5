package dev.pinhole.protocol;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;

/**
 * An address block such as {@code 203.0.113.0/24} or {@code 2001:db8::/32} (a bare address is a block of
 * one), for a service's IP allow list. Parsing takes literals only, so it never touches DNS.
 */
public final class Cidr {
    private final byte[] network;
    private final int prefix;

    private Cidr(byte[] network, int prefix) {
        this.network = network;
        this.prefix = prefix;
    }

    /** Parses {@code ADDRESS[/PREFIX]}; throws IllegalArgumentException naming what is wrong. */
    public static Cidr parse(String text) {
        int slash = text.indexOf('/');
        String address = slash < 0 ? text : text.substring(0, slash);
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(address);
        if (bytes == null || address.isEmpty() || address.startsWith("[")) {
            throw new IllegalArgumentException("address block '" + text + "' (expected: an IP address, optionally /PREFIX,"
                    + " e.g. 203.0.113.0/24)");
        }
        int max = bytes.length * 8;
        int prefix = max;
        if (slash >= 0) {
            String digits = text.substring(slash + 1);
            if (!digits.matches("[0-9]{1,3}") || Integer.parseInt(digits) > max) {
                throw new IllegalArgumentException("prefix of '" + text + "' (expected: 0.." + max + ")");
            }
            prefix = Integer.parseInt(digits);
        }
        return new Cidr(mask(bytes, prefix), prefix);
    }

    /** An allow list's verdict: everyone when it is empty, else addresses in one of its blocks. */
    public static boolean admits(List<Cidr> allow, InetAddress address) {
        return allow.isEmpty() || allow.stream().anyMatch(block -> block.contains(address));
    }

    /** Whether {@code address} lies in this block; an IPv4-mapped IPv6 address counts as IPv4. */
    public boolean contains(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (bytes.length == 16 && network.length == 4 && isV4Mapped(bytes)) {
            bytes = Arrays.copyOfRange(bytes, 12, 16);
        }
        return bytes.length == network.length && Arrays.equals(mask(bytes, prefix), network);
    }

    private static boolean isV4Mapped(byte[] bytes) {
        for (int i = 0; i < 10; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return bytes[10] == (byte) 0xff && bytes[11] == (byte) 0xff;
    }

    private static byte[] mask(byte[] address, int prefix) {
        byte[] masked = address.clone();
        for (int i = 0; i < masked.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - i * 8));
            masked[i] &= (byte) (0xff << (8 - keep));
        }
        return masked;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Cidr that && prefix == that.prefix && Arrays.equals(network, that.network);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(network) * 31 + prefix;
    }

    /** Canonical form: the network address and the prefix, e.g. {@code 203.0.113.0/24}. */
    @Override
    public String toString() {
        return NetUtil.bytesToIpAddress(network) + "/" + prefix;
    }
}
