package dev.cerberus.server.grpc;

import io.grpc.Status;
import java.util.logging.Filter;
import java.util.logging.Logger;
import org.slf4j.LoggerFactory;

/**
 * grpc-netty logs a request message over {@code cerberus.max-inbound-message-bytes} (and any
 * other message the transport cannot deframe) as a WARNING with a 14-38 line stack trace,
 * through java.util.logging, for what is the client's mistake. This filter replaces that record
 * with one line that names the limit; every other record of the transport passes unchanged.
 */
public final class TransportLog {

  private static final org.slf4j.Logger log = LoggerFactory.getLogger(TransportLog.class);
  /** Held here: java.util.logging keeps loggers weakly, and a collected one loses its filter. */
  private static final Logger NETTY_SERVER_STREAM =
      Logger.getLogger("io.grpc.netty.NettyServerStream");

  private TransportLog() {}

  /** Installs the filter once per JVM (idempotent). */
  public static synchronized void install() {
    if (NETTY_SERVER_STREAM.getFilter() instanceof OneLine) {
      return;
    }
    NETTY_SERVER_STREAM.setFilter(new OneLine());
  }

  private static final class OneLine implements Filter {
    @Override
    public boolean isLoggable(java.util.logging.LogRecord record) {
      Throwable thrown = record.getThrown();
      if (!"Exception processing message".equals(record.getMessage()) || thrown == null) {
        return true;
      }
      Status status = Status.fromThrowable(thrown);
      if (status.getCode() == Status.Code.UNKNOWN) {
        return true; // not a status the transport chose: keep the trace for a bug report
      }
      log.warn("refused a request message: {}: {}{}", status.getCode(), status.getDescription(),
          status.getCode() == Status.Code.RESOURCE_EXHAUSTED
              ? " (the transport allows " + MalformedRequests.TRANSPORT_FACTOR
                  + " x cerberus.max-inbound-message-bytes)" : "");
      return false;
    }
  }
}
