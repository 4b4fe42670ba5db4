// .dependency-cruiser.cjs — the layering rules of the project (README, "Development"), checked in
// CI by `npm run layers`. Each rule names the room it guards; a violation fails the build.

/** Project folders that hold models: the QEMU side, the host kernel and devices, and the guest. */
const MODELS = '^(vmm|device|sim/guest)/';

module.exports = {
  forbidden: [
    {
      name: 'kernel-imports-nothing',
      comment: 'sim/kernel/ is the bottom of the house: clock, event queue, processes, resources, random streams.',
      severity: 'error',
      from: { path: '^sim/kernel/' },
      to: { path: '^(sim|vmm|device|metrics|scenarios)/', pathNot: '^sim/kernel/' },
    },
    {
      name: 'events-see-only-the-message-interface',
      comment: 'sim/events/ (the model event stream) may name message types and errno (device/uapi/), nothing else of the models.',
      severity: 'error',
      from: { path: '^sim/events/' },
      to: { path: '^(sim|vmm|device|metrics)/', pathNot: '^(sim/events|sim/kernel|device/uapi)/' },
    },
    {
      name: 'leaf-helpers-stay-leaves',
      comment: 'sim/tool/ (package metadata, InputError) and sim/notation/ (units, thresholds, suggestions) import no other room.',
      severity: 'error',
      from: { path: '^sim/(tool|notation)/' },
      to: { path: '^(sim|vmm|device|metrics)/', pathNot: '^sim/(tool|notation)/' },
    },
    {
      name: 'device-never-imports-vmm',
      comment: 'The host kernel and the devices know nothing of QEMU.',
      severity: 'error',
      from: { path: '^device/' },
      to: { path: '^vmm/' },
    },
    {
      name: 'vmm-reaches-devices-only-through-the-uapi-and-shared-memory',
      comment: 'QEMU talks to devices through the vhost-vdpa message interface (device/uapi/) and the virtio structures in shared memory (device/shared/), as it does through ioctls and mapped memory.',
      severity: 'error',
      from: { path: '^vmm/' },
      to: { path: '^device/', pathNot: '^device/(uapi|shared)/' },
    },
    {
      name: 'guest-reaches-devices-only-through-shared-memory',
      comment: 'The guest driver sees rings and buffers (device/shared/) and virtio bits (device/uapi/), never a device model.',
      severity: 'error',
      from: { path: '^sim/guest/' },
      to: { path: '^device/', pathNot: '^device/(uapi|shared)/' },
    },
    {
      name: 'models-never-import-metrics',
      comment: 'Models report through the event stream; metrics/ records it.',
      severity: 'error',
      from: { path: MODELS },
      to: { path: '^metrics/' },
    },
    {
      name: 'models-never-import-the-run-engine',
      comment: 'Models know the kernel and the event stream, not scenarios, the testbed, campaigns, the bench or the CLI.',
      severity: 'error',
      from: { path: MODELS },
      to: { path: '^sim/', pathNot: '^sim/(kernel|events|guest)/' },
    },
    {
      name: 'device-and-vmm-never-import-the-guest',
      comment: 'The guest is outside the host: the devices and QEMU meet it only in shared memory.',
      severity: 'error',
      from: { path: '^(vmm|device)/' },
      to: { path: '^sim/guest/' },
    },
    {
      name: 'metrics-never-import-models',
      comment: 'metrics/ sees events and results, never model internals (nor the run engine).',
      severity: 'error',
      from: { path: '^metrics/' },
      to: { path: '^(vmm|device|sim)/', pathNot: '^sim/(events|tool|notation)/' },
    },
    {
      name: 'nothing-imports-the-cli',
      comment: 'sim/cli/ is the top of the house; only its own files and the tests import it.',
      severity: 'error',
      from: { pathNot: '^(sim/cli|test)/' },
      to: { path: '^sim/cli/' },
    },
    {
      name: 'nothing-imports-the-api',
      comment: 'sim/api/ is the package entry for programs, beside the CLI at the top; only the CLI and the tests may import it.',
      severity: 'error',
      from: { pathNot: '^(sim/api|sim/cli|test)/' },
      to: { path: '^sim/api/' },
    },
    {
      name: 'nothing-imports-the-bench',
      comment: 'sim/bench/ measures the tool; nothing depends on it.',
      severity: 'error',
      from: { pathNot: '^(sim/bench|test)/' },
      to: { path: '^sim/bench/' },
    },
    {
      name: 'sources-never-import-tests',
      severity: 'error',
      from: { pathNot: '^test/' },
      to: { path: '^test/' },
    },
    {
      name: 'no-circular',
      comment: 'No import cycles, type-only imports included.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-undeclared-packages',
      comment: 'Every package a source imports is in package.json (tests and config may use devDependencies).',
      severity: 'error',
      from: { path: '^(sim|vmm|device|metrics)/' },
      to: { dependencyTypes: ['npm-dev', 'npm-no-pkg', 'npm-unknown'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
