package dev.cerberus.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU seconds of the whole machine and of this JVM (the load generator), so each slice can say
 * who used the cores besides the server: on a 2-core box the load generator and any other
 * tenant's job take cycles the server's inference threads would otherwise have.
 */
final class CpuClock {

  static final long CLK_TCK = 100; // USER_HZ on Linux

  /** Busy CPU seconds summed over all cores; {@code niced} is the part spent in niced tasks. */
  record Machine(double busy, double niced) {}

  private CpuClock() {}

  /** From the aggregate "cpu" line of /proc/stat; NaN where /proc is missing. */
  static Machine machine() {
    try {
      String first = Files.readAllLines(Path.of("/proc/stat")).get(0);
      String[] f = first.trim().split("\\s+");
      // cpu user nice system idle iowait irq softirq steal ...
      long user = Long.parseLong(f[1]);
      long nice = Long.parseLong(f[2]);
      long system = Long.parseLong(f[3]);
      long irq = Long.parseLong(f[6]);
      long softirq = Long.parseLong(f[7]);
      long steal = f.length > 8 ? Long.parseLong(f[8]) : 0;
      return new Machine((user + nice + system + irq + softirq + steal) / (double) CLK_TCK,
          nice / (double) CLK_TCK);
    } catch (IOException | RuntimeException e) {
      return new Machine(Double.NaN, Double.NaN);
    }
  }

  /** utime + stime of a process in seconds; NaN when it is gone. */
  static double process(String pid) {
    try {
      String stat = Files.readString(Path.of("/proc", pid, "stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // after the comm: state is index 0, utime index 11, stime index 12
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / (double) CLK_TCK;
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  /** The nice value this JVM runs at (field 19 of /proc/self/stat); 0 where unknown. */
  static int niceOfSelf() {
    try {
      String stat = Files.readString(Path.of("/proc/self/stat"));
      return Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[16]);
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /** This JVM, which runs the load generator. */
  static double self() {
    return process("self");
  }
}
