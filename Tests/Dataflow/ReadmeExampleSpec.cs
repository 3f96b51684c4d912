using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Dataflow;

/// <summary>The README's DSL example, pasted into a console project of its own outside the checkout, builds and runs
/// with nothing set in the environment: against a project reference and against the packages of <c>make pack</c>.</summary>
public sealed partial class ReadmeExampleSpec(ITestOutputHelper output)
{
    // Generous: builds and runs compete with the rest of the suite for two cores. Nothing here measures time.
    private static readonly TimeSpan s_limit = TimeSpan.FromMinutes(10);

    private static readonly string s_configuration =
        typeof(ReadmeExampleSpec).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";

    [Fact]
    public async Task The_example_runs_from_a_project_that_references_Dataflow_and_reports_missing_native_libraries()
    {
        var root = RepositoryRoot();
        var example = ReadmeExample(root);
        var app = Directory.CreateTempSubdirectory("dataflow-readme-");
        try
        {
            WriteProject(app.FullName, example,
                $"""<ProjectReference Include="{Path.Combine(root, "Dataflow", "Dataflow.csproj")}" />""");
            var program = await BuildAsync(app.FullName);
            await AssertRunsAsync(program, example);

            // A native folder without the libraries: the job fails with the reason and the fix, it does not wait.
            var empty = Directory.CreateDirectory(Path.Combine(app.FullName, "no-native")).FullName;
            var failed = await RunAsync("dotnet", [program], app.FullName, new() { ["DATAFLOW_NATIVE_DIR"] = empty });
            Assert.True(failed.ExitCode != 0, failed.Stdout);
            Assert.Contains("DataflowJobException", failed.Stderr);
            Assert.Contains($"libLibTorchSharp.so (TorchSharp's native bridge to libtorch) not found; looked in: DATAFLOW_NATIVE_DIR={empty}", failed.Stderr);
            Assert.Contains("dotnet build", failed.Stderr);
        }
        finally
        {
            app.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task The_example_runs_from_a_project_that_uses_the_packages()
    {
        var root = RepositoryRoot();
        var example = ReadmeExample(root);
        var work = Directory.CreateTempSubdirectory("dataflow-readme-packages-");
        try
        {
            // What `make pack` runs, under a version of its own: NuGet never saw it, so no cached copy stands in.
            var version = $"0.0.0-readme.{Guid.NewGuid():N}"[..30];
            var packages = Path.Combine(work.FullName, "packages");
            var pack = await RunAsync("dotnet", ["pack", Path.Combine(root, "Dataflow.sln"), "-c", s_configuration,
                "--no-build", "-o", packages, $"-p:PackageVersion={version}", "-nologo", "-v", "q"], root);
            Assert.True(pack.ExitCode == 0, pack.Stdout + pack.Stderr);
            Assert.Equal(new[] { "Dataflow", "Dataflow.Actors", "Dataflow.Kernels" },
                Directory.GetFiles(packages, "*.nupkg").Select(p => Path.GetFileName(p)[..^($".{version}.nupkg".Length)]).Order());

            var app = Directory.CreateDirectory(Path.Combine(work.FullName, "app")).FullName;
            WriteProject(app, example, $"""<PackageReference Include="Dataflow" Version="{version}" />""");
            // The packages are installed into a package folder of this test, the rest is taken from the usual one.
            File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <add key="dataflow" value="{packages}" />
                  </packageSources>
                  <fallbackPackageFolders>
                    <add key="global" value="{await GlobalPackagesFolderAsync()}" />
                  </fallbackPackageFolders>
                </configuration>
                """);
            var environment = new Dictionary<string, string?> { ["NUGET_PACKAGES"] = Path.Combine(work.FullName, "nuget") };
            var program = await BuildAsync(app, environment);
            await AssertRunsAsync(program, example);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>The first C# block of the README's "The job DSL" section, verbatim.</summary>
    private static string ReadmeExample(string root)
    {
        var readme = File.ReadAllText(Path.Combine(root, "README.md"));
        var section = readme.IndexOf("## The job DSL", StringComparison.Ordinal);
        Assert.True(section >= 0, "README.md has no \"## The job DSL\" section");
        var block = CSharpBlock().Match(readme, section);
        Assert.True(block.Success, "no ```csharp block in the README's DSL section");
        return block.Groups["code"].Value;
    }

    private static void WriteProject(string directory, string program, string reference)
    {
        File.WriteAllText(Path.Combine(directory, "Program.cs"), program);
        File.WriteAllText(Path.Combine(directory, "ReadmeExample.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                {reference}
              </ItemGroup>
            </Project>
            """);
        // Whatever lies above the temporary folder stays out of the build.
        foreach (var file in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" })
        {
            File.WriteAllText(Path.Combine(directory, file), "<Project />\n");
        }
    }

    private async Task<string> BuildAsync(string directory, Dictionary<string, string?>? environment = null)
    {
        var build = await RunAsync("dotnet", ["build", "-c", s_configuration, "-nologo", "-v", "q", "-nodeReuse:false"],
            directory, environment);
        Assert.True(build.ExitCode == 0, build.Stdout + build.Stderr);
        var program = Path.Combine(directory, "bin", s_configuration, "net10.0", "ReadmeExample.dll");
        Assert.True(File.Exists(program), $"{program} was not built");
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(program)!, "dataflow-native.txt")),
            "the build did not record the native folder next to the program");
        return program;
    }

    private async Task AssertRunsAsync(string program, string example)
    {
        var steps = StepsCall().Match(example);
        Assert.True(steps.Success, "the README's example sets no .Steps(N)");
        var n = steps.Groups[1].Value;
        var run = await RunAsync("dotnet", [program], Path.GetDirectoryName(program)!);
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        Assert.Contains($"{n}/{n} loss ", run.Stdout);
        Assert.Matches(new Regex($"(?m)^[0-9a-f]{{64}} after {n} steps$"), run.Stdout);
    }

    /// <summary>Runs a command without <c>DATAFLOW_NATIVE_DIR</c> and without the MSBuild variables of the test run,
    /// plus <paramref name="environment"/>; fails the test if it does not end within the limit.</summary>
    private async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string fileName, string[] arguments,
        string workingDirectory, Dictionary<string, string?>? environment = null)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in arguments)
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var name in psi.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToArray())
        {
            psi.Environment.Remove(name);
        }
        psi.Environment.Remove("DATAFLOW_NATIVE_DIR");
        foreach (var (name, value) in environment ?? [])
        {
            psi.Environment[name] = value;
        }
        output.WriteLine($"$ {fileName} {string.Join(' ', arguments)}");
        using var p = Process.Start(psi)!;
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var readOut = Task.Run(async () => stdout.Append(await p.StandardOutput.ReadToEndAsync()));
        var readErr = Task.Run(async () => stderr.Append(await p.StandardError.ReadToEndAsync()));
        using var limit = new CancellationTokenSource(s_limit);
        try
        {
            await p.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
            await Task.WhenAll(readOut, readErr);
            Assert.Fail($"{fileName} {string.Join(' ', arguments)} did not end within {s_limit}:\n{stdout}\n{stderr}");
        }
        await Task.WhenAll(readOut, readErr);
        output.WriteLine($"exit {p.ExitCode}; last output: {Tail(stdout.ToString())} {Tail(stderr.ToString())}");
        return (p.ExitCode, stdout.ToString(), stderr.ToString());
    }

    private static string Tail(string text) => text.Length <= 400 ? text : text[^400..];

    private async Task<string> GlobalPackagesFolderAsync()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return fromEnvironment;
        }
        var locals = await RunAsync("dotnet", ["nuget", "locals", "global-packages", "--list"], Path.GetTempPath());
        Assert.True(locals.ExitCode == 0, locals.Stderr);
        var line = locals.Stdout.Trim();
        return line[(line.IndexOf(':') + 1)..].Trim();
    }

    private static string RepositoryRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Dataflow.sln")))
            {
                return d.FullName;
            }
        }
        throw new DirectoryNotFoundException("repository root not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"```csharp\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    [GeneratedRegex(@"\.Steps\((\d+)\)")]
    private static partial Regex StepsCall();
}
