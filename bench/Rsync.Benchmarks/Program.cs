using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

// In this process: BenchmarkDotNet's default toolchain builds a project it looks for by the assembly's
// name (SqlRsync.Benchmarks), which is not the project's (Rsync.Benchmarks), and fails.
var config = DefaultConfig.Instance.AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).AsDefault());
BenchmarkSwitcher.FromAssembly(typeof(SqlRsync.Benchmarks.HashBenchmarks).Assembly).Run(args, config);
