// Mocha's spec output plus one plain closing line that CI reads: "tests: N passed, M failed".
import Mocha = require('mocha');

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    let passed = 0;
    let failed = 0;
    let pending = 0;
    runner.on(Mocha.Runner.constants.EVENT_TEST_PASS, () => { passed++; });
    runner.on(Mocha.Runner.constants.EVENT_TEST_FAIL, () => { failed++; });
    runner.on(Mocha.Runner.constants.EVENT_TEST_PENDING, () => { pending++; });
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const skipped = pending > 0 ? `, ${pending} skipped` : '';
      process.stdout.write(`\ntests: ${passed} passed, ${failed} failed${skipped}\n`);
    });
  }
}

export = SummaryReporter;
