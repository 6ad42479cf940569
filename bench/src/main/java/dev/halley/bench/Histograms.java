package dev.halley.bench;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import java.util.zip.DataFormatException;
import org.HdrHistogram.Histogram;

/** The histogram shape every process uses (microseconds, up to an hour) and its wire form. */
final class Histograms {

    /** Values above this (one hour in microseconds) are clamped to it. */
    static final long MAX_MICROS = TimeUnit.HOURS.toMicros(1);

    private Histograms() {
    }

    static Histogram micros() {
        return new Histogram(MAX_MICROS, 3);
    }

    static long clampMicros(long nanos) {
        return Math.min(MAX_MICROS, Math.max(0, nanos / 1000));
    }

    /** Compressed HdrHistogram encoding, base64: how processes ship histograms to be merged. */
    static String encode(Histogram h) {
        ByteBuffer buf = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        int length = h.encodeIntoCompressedByteBuffer(buf);
        byte[] bytes = new byte[length];
        buf.flip();
        buf.get(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }

    static Histogram decode(String base64) {
        try {
            return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(base64)), MAX_MICROS);
        } catch (DataFormatException e) {
            throw new IllegalArgumentException("a worker sent an unreadable histogram: " + e.getMessage(), e);
        }
    }
}
