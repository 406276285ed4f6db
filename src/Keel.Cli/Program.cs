namespace Keel.Cli;

internal static class Program
{
    public static int Main(string[] args)
    {
        Console.WriteLine("keel " + string.Join(' ', args));
        return 0;
    }
}
