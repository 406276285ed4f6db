namespace Keel.Cli.Common;

/// <summary>The contract's exit codes.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int FitFailed = 1;
    public const int BadInput = 2;
}
