package dev.halley.pusher;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The Pusher apps one node serves, found by id (HTTP API) and by key (WebSocket); ids and keys are unique. */
public record PusherApps(List<PusherApp> apps) {

    /** No Pusher-compatible mode: {@code /app/} and {@code /apps/} are not served. */
    public static final PusherApps NONE = new PusherApps(List.of());

    public PusherApps {
        apps = List.copyOf(apps);
        Map<String, PusherApp> ids = new HashMap<>();
        Map<String, PusherApp> keys = new HashMap<>();
        for (PusherApp app : apps) {
            if (ids.put(app.id(), app) != null) {
                throw new IllegalArgumentException("Pusher app ids must be unique, '" + app.id() + "' is given twice");
            }
            if (keys.put(app.key(), app) != null) {
                throw new IllegalArgumentException("Pusher app keys must be unique, '" + app.key() + "' is given twice");
            }
        }
    }

    public static PusherApps parse(List<String> texts) {
        return new PusherApps(texts.stream().map(PusherApp::parse).toList());
    }

    public boolean isEmpty() {
        return apps.isEmpty();
    }

    /** The app with this id, or null. */
    public PusherApp byId(String id) {
        for (PusherApp app : apps) {
            if (app.id().equals(id)) {
                return app;
            }
        }
        return null;
    }

    /** The app with this key, or null. */
    public PusherApp byKey(String key) {
        for (PusherApp app : apps) {
            if (app.key().equals(key)) {
                return app;
            }
        }
        return null;
    }
}
