package dev.halley.transport;

import dev.halley.transport.mercure.MercureOptions;
import dev.halley.transport.mercure.MercureTokens;

/**
 * The Mercure hub's verifiers, built once from its options.
 *
 * @param anonymousSubscribers whether a subscriber without a JWT may receive public updates
 */
record MercureKeys(MercureTokens publisherTokens, MercureTokens subscriberTokens, boolean anonymousSubscribers) {

    /** The keys of an enabled hub; null when {@code options} leave it off. */
    static MercureKeys of(MercureOptions options) {
        if (!options.enabled()) {
            return null;
        }
        return new MercureKeys(options.publisherTokens(), options.subscriberTokens(), options.anonymousSubscribers());
    }
}
