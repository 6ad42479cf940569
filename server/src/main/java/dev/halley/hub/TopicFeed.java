package dev.halley.hub;

import dev.halley.message.Message;
import java.util.ArrayList;
import java.util.List;

/**
 * How the broker's delivery of one topic stands on this node, kept on the topic's owning loop from
 * the first subscription until the topic was left without subscribers for
 * {@link Hub#UNFOLLOW_AFTER}.
 *
 * <p>Lifecycle: the hub asks the broker to follow the topic; until the broker says the topic is
 * live, backlog requests wait here (a backlog read before that could miss what is stored between
 * the read and the subscription). Every later "live" means delivery was interrupted: the hub then
 * catches up from the topic's log and holds back live messages meanwhile, so they stay in order.
 * The generation counts "live" calls: a backlog requested in an earlier generation may predate
 * what the interruption lost, and is requested again.
 */
final class TopicFeed {

    boolean live;
    long generation;
    /** Backlog requests made before the topic first went live. */
    List<Runnable> waitingForLive = new ArrayList<>();
    /** Non-null while a catch-up is under way: live messages that arrived meanwhile. */
    List<Message> heldDuringCatchUp;
    /** Another interruption was reported during the catch-up: catch up once more after it. */
    boolean catchUpAgain;
    /** When the topic's last subscription ended, or 0 while it has subscriptions. */
    long idleSinceNanos;

    boolean catchingUp() {
        return heldDuringCatchUp != null;
    }
}
