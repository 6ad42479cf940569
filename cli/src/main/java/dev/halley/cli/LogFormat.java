package dev.halley.cli;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import java.net.URL;
import org.slf4j.LoggerFactory;

/** How log lines look: {@code plain} text (the default, {@code logback.xml}) or one JSON object per line. */
enum LogFormat {
    PLAIN("logback.xml"),
    JSON("logback-json.xml");

    private final String resource;

    LogFormat(String resource) {
        this.resource = resource;
    }

    /** Reconfigures logging for this format; call before the first event worth logging. */
    void apply() {
        if (this == PLAIN) {
            return;
        }
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        URL config = LogFormat.class.getClassLoader().getResource(resource);
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        context.reset();
        try {
            configurator.doConfigure(config);
        } catch (JoranException e) {
            throw new IllegalStateException("the bundled " + resource + " is invalid", e);
        }
    }
}
