package dev.aijobs.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.aijobs.protocol.Topology;
import dev.aijobs.worker.Worker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Rolling a running installation from the single {@code ai.jobs} queue to provider lanes and back,
 * under load, one worker at a time: every job is answered {@code ok}, and at the end the lanes hold
 * nothing and are no longer bound.
 */
class LaneMigrationIT {
  @RegisterExtension static final WorkerRig RIG = WorkerRig.withEnv();

  private final List<String> ids = new ArrayList<>();

  private void publish(int n) throws Exception {
    for (int i = 0; i < n; i++) {
      String id = "roll-" + ids.size();
      ids.add(id);
      RIG.bot().publish(BotSide.job(id, "mock", "roll;mock:latency=300", "roll " + id));
    }
  }

  private static Worker start(boolean lanes) throws Exception {
    Map<String, String> env = new HashMap<>(Workers.env(RIG.upstream()));
    env.put("AIJOBS_LANES", Boolean.toString(lanes));
    Worker w = Worker.start(Workers.config(env));
    await().atMost(Duration.ofSeconds(10)).until(w::isReady);
    return w;
  }

  private static int ready(Channel ch, String queue) throws Exception {
    return ch.queueDeclarePassive(queue).getMessageCount();
  }

  @Test
  void rollingToLanesAndBackLosesNoJob() throws Exception {
    Worker single = RIG.worker();
    publish(300);
    Worker lanes = start(true); // binds the lane, unbinds ai.jobs, drains ai.jobs
    publish(300);
    single.close(); // finishes what it holds; what it had not taken waits for the lanes worker
    publish(300);
    Worker back = start(false); // binds ai.jobs again, unbinds the lane, drains it
    publish(300);
    lanes.close();
    publish(300);
    try {
      await()
          .atMost(Duration.ofSeconds(120))
          .until(() -> ids.stream().allMatch(id -> RIG.bot().result(id) != null));
      for (String id : ids) {
        JsonNode r = RIG.bot().result(id);
        assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("ok");
      }
      assertThat(lanes.registry().find("aijobs.jobs.completed").counters())
          .as("the lanes worker answered jobs")
          .anySatisfy(c -> assertThat(c.count()).isPositive());
      try (Connection c = ItBroker.connectionFactory().newConnection("aijobs-it-roll-probe");
          Channel ch = c.createChannel()) {
        assertThat(ready(ch, Topology.laneQueue("mock"))).isZero();
        assertThat(ready(ch, Topology.JOBS_QUEUE)).isZero();
        // A job published now reaches ai.jobs only: the lane is unbound.
        ch.basicPublish(
            Topology.JOBS_EXCHANGE,
            "mock",
            true,
            new com.rabbitmq.client.AMQP.BasicProperties.Builder().build(),
            "not a job".getBytes(java.nio.charset.StandardCharsets.UTF_8));
      }
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  back.registry().find("aijobs.jobs.dead.lettered").counters().stream()
                          .mapToDouble(x -> x.count())
                          .sum()
                      >= 1);
    } finally {
      Workers.closeAll(back);
    }
  }
}
