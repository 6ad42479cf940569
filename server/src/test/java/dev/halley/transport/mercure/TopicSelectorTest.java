package dev.halley.transport.mercure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TopicSelectorTest {

    @Test
    void wildcardMatchesEveryTopic() {
        assertThat(TopicSelector.topicParameter("*").matches("https://example.com/anything")).isTrue();
        assertThat(TopicSelector.exact("*").matches("x")).isTrue();
        assertThat(TopicSelector.urlPattern("*").matches("x")).isTrue();
    }

    @Test
    void plainStringsMatchExactlyAndCaseSensitively() {
        TopicSelector s = TopicSelector.topicParameter("https://example.com/foo");
        assertThat(s.kind()).isEqualTo(TopicSelector.Kind.EXACT);
        assertThat(s.matches("https://example.com/foo")).isTrue();
        assertThat(s.matches("https://example.com/Foo")).isFalse();
        assertThat(s.matches("https://example.com/foo/")).isFalse();
    }

    @Test
    void simpleTemplateExpressionMatchesOneUnreservedValue() {
        TopicSelector s = TopicSelector.topicParameter("https://example.com/books/{id}");
        assertThat(s.kind()).isEqualTo(TopicSelector.Kind.URI_TEMPLATE);
        assertThat(s.matches("https://example.com/books/1")).isTrue();
        assertThat(s.matches("https://example.com/books/a%2Fb")).isTrue();
        assertThat(s.matches("https://example.com/books/1/chapters")).isFalse();
        assertThat(s.matches("https://example.com/authors/1")).isFalse();
        // A template also matches itself, so a token may grant a template a subscriber asks for.
        assertThat(s.matches("https://example.com/books/{id}")).isTrue();
    }

    @Test
    void operatorsFollowRfc6570() {
        assertThat(TopicSelector.topicParameter("https://example.com/{+path}").matches("https://example.com/a/b/c")).isTrue();
        assertThat(TopicSelector.topicParameter("https://example.com/users/foo/{?topic}")
                .matches("https://example.com/users/foo/?topic=https%3A%2F%2Fexample.com%2Fbooks%2F1")).isTrue();
        assertThat(TopicSelector.topicParameter("https://example.com/users/foo/{?topic}")
                .matches("https://example.com/users/bar/?topic=x")).isFalse();
        assertThat(TopicSelector.topicParameter("/files{/path*}").matches("/files/a/b")).isTrue();
        assertThat(TopicSelector.topicParameter("x{.ext}").matches("x.json")).isTrue();
        assertThat(TopicSelector.topicParameter("/page{#section}").matches("/page#top")).isTrue();
    }

    @Test
    void bracesThatAreNoTemplateAreRefused() {
        for (String bad : new String[] {"https://example.com/{id", "https://example.com/id}", "a{}b", "a{b c}", "a{=x}", "a{{b}}"}) {
            assertThatThrownBy(() -> TopicSelector.topicParameter(bad))
                    .as(bad).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("URI template");
        }
    }

    @Test
    void urlPatternNamedGroupsMatchOneSegment() {
        TopicSelector s = TopicSelector.urlPattern("https://example.net/foo/:random");
        assertThat(s.matches("https://example.net/foo/abc123")).isTrue();
        assertThat(s.matches("https://example.net/foo/abc/def")).isFalse();
        assertThat(s.matches("https://example.net/bar/abc")).isFalse();
        assertThat(TopicSelector.urlPattern("https://example.com/users/42/*").matches("https://example.com/users/42/a/b")).isTrue();
        assertThatThrownBy(() -> TopicSelector.urlPattern("https://example.com/(\\d+)")).isInstanceOf(IllegalArgumentException.class);
    }
}
