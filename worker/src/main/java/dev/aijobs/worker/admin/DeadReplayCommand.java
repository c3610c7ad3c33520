package dev.aijobs.worker.admin;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import dev.aijobs.protocol.Topology;
import java.io.IOException;
import java.io.PrintStream;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code queues dead replay}: publishes selected dead letters to the {@code ai.jobs} exchange
 * again, with their original routing key and properties minus the headers dead lettering added.
 *
 * <p>Each dead letter is fetched unacknowledged, published with {@code mandatory} and publisher
 * confirms, and acked only once the broker has confirmed (and not returned) the copy. Dead letters
 * that are not selected stay unacknowledged until the channel closes, which puts them back. So an
 * interruption at any point loses nothing, and a second run does not replay what the first already
 * did; only the one message whose confirm had arrived but whose ack had not yet been sent can exist
 * twice (the job id lets the bot drop the duplicate result).
 */
final class DeadReplayCommand {
  static final long CONFIRM_TIMEOUT_MS = 10_000;

  /** What to replay: job ids (empty with {@code all}), at most {@code limit}, or only show it. */
  record Selection(Set<String> ids, boolean all, int limit, boolean dryRun) {
    Selection {
      ids = Set.copyOf(ids);
    }

    boolean selects(DeadLetter letter) {
      return all || (letter.id() != null && ids.contains(letter.id()));
    }
  }

  private final BrokerTarget target;
  private final PrintStream out;
  private final PrintStream err;
  private final Selection selection;

  DeadReplayCommand(BrokerTarget target, PrintStream out, PrintStream err, Selection selection) {
    this.target = target;
    this.out = out;
    this.err = err;
    this.selection = selection;
  }

  int run() throws AdminException {
    Set<String> found = new HashSet<>();
    int done = 0;
    int scanned = 0;
    try (Connection connection = target.connect()) {
      Channel channel = connection.createChannel();
      channel.confirmSelect();
      AtomicReference<String> returned = new AtomicReference<>();
      channel.addReturnListener(r -> returned.set(r.getReplyCode() + " " + r.getReplyText()));
      DeadLetterPrinter printer = new DeadLetterPrinter(out);
      printer.header(selection.dryRun() ? "would replay id" : "replayed id");
      while (done < selection.limit()) {
        GetResponse response = channel.basicGet(Topology.DEAD_LETTER_QUEUE, false);
        if (response == null) {
          break; // every ready dead letter has been looked at
        }
        scanned++;
        DeadLetter letter = DeadLetter.of(response);
        if (!selection.selects(letter)) {
          continue; // stays unacked, back in the queue when the channel closes
        }
        if (letter.id() != null) {
          found.add(letter.id());
        }
        if (!selection.dryRun()) {
          replayOne(channel, letter, returned);
        }
        printer.row("", letter);
        done++;
      }
      channel.close();
    } catch (AdminException e) {
      throw new AdminException(e.getMessage() + " (" + done + " replayed before)", e);
    } catch (IOException | TimeoutException e) {
      throw new AdminException(
          "replay stopped after " + done + " jobs: " + e.getMessage() + "; the rest stay dead", e);
    }
    return summary(found, done, scanned);
  }

  private static void replayOne(
      Channel channel, DeadLetter letter, AtomicReference<String> returned)
      throws IOException, TimeoutException, AdminException {
    returned.set(null);
    channel.basicPublish(
        Topology.JOBS_EXCHANGE,
        letter.routingKey(),
        true,
        letter.replayProperties(),
        letter.body());
    try {
      channel.waitForConfirmsOrDie(CONFIRM_TIMEOUT_MS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AdminException("interrupted waiting for the broker's confirm of " + letter.id());
    }
    // A return always arrives before the confirm of the same message.
    if (returned.get() != null) {
      throw new AdminException(
          "job "
              + letter.id()
              + " was not routed to any queue by exchange ai.jobs ("
              + returned.get()
              + "); it stays in "
              + Topology.DEAD_LETTER_QUEUE);
    }
    channel.basicAck(letter.deliveryTag(), false);
  }

  private int summary(Set<String> found, int done, int scanned) {
    Set<String> missing = new LinkedHashSet<>(selection.ids());
    missing.removeAll(found);
    out.printf(
        "%s %d of %d dead letters looked at%s%n",
        selection.dryRun() ? "dry run: would replay" : "replayed",
        done,
        scanned,
        selection.dryRun() ? " (nothing changed)" : "");
    if (!missing.isEmpty() && done < selection.limit()) {
      err.println("not found in " + Topology.DEAD_LETTER_QUEUE + ": " + String.join(", ", missing));
      return 1;
    }
    return 0;
  }
}
