package dev.halley.transport;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.halley.broker.BrokerStats;
import dev.halley.hub.HubStats;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;

/** {@code GET /status}: one JSON snapshot of the node, gathered from every loop. */
final class StatusEndpoint {

    private StatusEndpoint() {
    }

    static void answer(ChannelHandlerContext ctx, Node node, boolean keepAlive) {
        node.hub().stats().whenComplete((stats, failure) -> {
            if (failure != null) {
                Replies.error(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "status unavailable: " + failure.getMessage(), keepAlive);
                return;
            }
            try {
                Replies.json(ctx, HttpResponseStatus.OK, Envelopes.MAPPER.writeValueAsBytes(snapshot(node, stats)), keepAlive);
            } catch (JsonProcessingException e) {
                Replies.error(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, "status could not be encoded", keepAlive);
            }
        });
    }

    static ObjectNode snapshot(Node node, HubStats stats) {
        NodeCounters c = node.counters();
        ObjectNode root = Envelopes.MAPPER.createObjectNode();
        root.put("uptimeSeconds", (System.currentTimeMillis() - node.startedAtMillis()) / 1000);
        root.put("loops", node.options().loops());
        root.put("acceptMode", node.options().acceptMode());

        ObjectNode connections = root.putObject("connections");
        connections.put("total", c.open());
        var perLoop = connections.putArray("perLoop");
        for (long n : c.openPerLoop()) {
            perLoop.add(n);
        }
        ObjectNode byTransport = connections.putObject("byTransport");
        for (Transport t : Transport.values()) {
            byTransport.put(t.word, c.byTransport(t));
        }
        // Streams whose sockets left Netty's channel objects (counted in total and byTransport too).
        connections.put("held", node.admin().heldCount());
        connections.put("accepted", c.accepted());
        ObjectNode rejected = connections.putObject("rejected");
        for (NodeCounters.Reject r : NodeCounters.Reject.values()) {
            rejected.put(r.word, c.rejectedCount(r));
        }

        BrokerStats b = stats.broker();
        root.put("subscriptions", stats.subscriptions());
        root.put("mailboxes", b.mailboxes());
        root.put("channels", b.channels());
        root.put("queuedMessages", b.queuedMessages());
        ObjectNode messages = root.putObject("messages");
        messages.put("published", stats.published());
        messages.put("delivered", stats.delivered());
        // Above zero for long only while the loops cannot keep up with the fan-out.
        messages.put("deliveriesWaiting", stats.fanoutWaiting());
        messages.put("expired", b.expiredMessages());
        messages.put("dropped", b.droppedMessages());

        ObjectNode broker = root.putObject("broker");
        broker.put("kind", b.kind());
        broker.put("state", b.state());
        broker.put("epoch", b.epoch());
        // Delivery by interest: what this node read from its store for the live messages it delivered.
        ObjectNode routing = root.putObject("routing");
        routing.put("followedTopics", b.followedTopics());
        routing.put("messagesRead", b.liveMessagesRead() < 0 ? -1 : b.liveMessagesRead() + stats.caughtUp());
        routing.put("messagesDelivered", stats.deliveredMessages());
        routing.put("readsPerDelivered", stats.readsPerDelivered());

        // This node's presence: channels with a client present, clients with a connection here.
        ObjectNode presence = root.putObject("presence");
        presence.put("channels", stats.presentChannels());
        presence.put("clients", stats.onlineClients());

        root.put("draining", node.admin().draining());
        node.admin().statusSections().forEach((name, section) -> root.set(name, Envelopes.MAPPER.valueToTree(section.get())));

        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        ObjectNode memory = root.putObject("memory");
        memory.put("heapUsedBytes", heap.getUsed());
        memory.put("heapCommittedBytes", heap.getCommitted());
        memory.put("heapMaxBytes", heap.getMax());
        return root;
    }
}
