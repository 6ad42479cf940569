package dev.halley.hub;

import java.util.Arrays;

/**
 * The live subscriptions of one topic on its owning loop, with O(1) removal: each subscription
 * remembers its slot, and removal moves the last one into the hole. Delivery order among
 * subscribers is therefore arbitrary, which nobody may rely on.
 */
final class TopicSubscribers {

    private HubSubscription[] slots = new HubSubscription[2];
    private int size;

    void add(HubSubscription s) {
        if (size == slots.length) {
            slots = Arrays.copyOf(slots, size * 2);
        }
        s.slot = size;
        slots[size++] = s;
    }

    void remove(HubSubscription s) {
        int slot = s.slot;
        if (slot < 0 || slot >= size || slots[slot] != s) {
            return;
        }
        HubSubscription last = slots[--size];
        slots[slot] = last;
        last.slot = slot;
        slots[size] = null;
        s.slot = -1;
    }

    int size() {
        return size;
    }

    HubSubscription get(int index) {
        return slots[index];
    }
}
