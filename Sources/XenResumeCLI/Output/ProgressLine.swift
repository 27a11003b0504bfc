/// A progress line on stderr that is redrawn at most a few times a second, however fast the loop that feeds it.
///
/// On a terminal it overwrites itself; elsewhere (a log file, a CI job) each update is its own line, which is why
/// updates are rate-limited rather than written once per cycle.
struct ProgressLine {
  /// The least time between two updates.
  let interval: Duration
  private let enabled: Bool
  private let clock = ContinuousClock()
  private var lastUpdate: ContinuousClock.Instant?
  private let overwrites: Bool
  private var drewSomething = false

  /// A progress line; `enabled: false` makes every call a no-op (for `--json`).
  init(enabled: Bool, interval: Duration = .milliseconds(500)) {
    self.interval = interval
    self.enabled = enabled
    self.overwrites = enabled && Console.standardErrorIsTerminal
  }

  /// Draws the text made by `text` if the last update is at least `interval` old; `text` is only evaluated then.
  mutating func update(_ text: () -> String) {
    guard enabled else { return }
    let now = clock.now
    if let lastUpdate, lastUpdate.duration(to: now) < interval { return }
    lastUpdate = now
    draw(text())
  }

  /// Ends the line, so that whatever follows starts on a fresh line.
  mutating func finish() {
    guard enabled, overwrites, drewSomething else { return }
    Console.writeError("\n")
    drewSomething = false
  }

  private mutating func draw(_ progress: String) {
    // Progress reports an action under way, so a simulated run says it is simulated here too.
    let text = Console.marked(progress)
    if overwrites {
      // Clear to the end of the line after redrawing, so a shorter update leaves no stale characters.
      Console.writeError("\r" + text + "\u{1B}[K")
      drewSomething = true
    } else {
      Console.printError(text)
    }
  }
}
