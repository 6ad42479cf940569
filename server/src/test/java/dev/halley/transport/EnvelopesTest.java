package dev.halley.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A text body becomes one JSON string that reads back as the very text, with every control
 * character escaped, so no raw line break can reach an SSE {@code data:} line.
 */
class EnvelopesTest {

    @Test
    void aTextBodyBecomesAJsonStringThatReadsBackAsIt() throws IOException {
        String[] awkward = {"", "plain", "say \"hi\"", "back\\slash", "line\nbreak\r\ttab", "\u0000\u001f\u007f",
            "caf\u00e9", "\u2028\u2029", "\ud83d\ude00 emoji", "</script>", "a/b"};
        for (String text : awkward) {
            check(text);
        }
        SplittableRandom random = new SplittableRandom(12);
        for (int i = 0; i < 2_000; i++) {
            StringBuilder sb = new StringBuilder();
            for (int n = random.nextInt(40); n > 0; n--) {
                int cp = random.nextInt(4) == 0 ? random.nextInt(0x20) : random.nextInt(Character.MIN_SUPPLEMENTARY_CODE_POINT * 2);
                if (cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE) {
                    continue;
                }
                sb.appendCodePoint(cp);
            }
            String text = sb.toString();
            check(text);
        }
    }

    private static void check(String text) throws IOException {
        byte[] json = Envelopes.jsonString(text);
        JsonNode read = Envelopes.MAPPER.readTree(json);
        assertThat(read.isTextual()).as(text).isTrue();
        assertThat(read.textValue()).isEqualTo(text);
        for (byte b : json) {
            assertThat(b < 0 || b >= 0x20).as("no raw control byte in %s", text).isTrue();
        }
    }
}
