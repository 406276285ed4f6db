using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Api;

/// <summary>
/// The public surface of Keel.Core, listed one member a line and sorted, against the committed
/// listing: a change to the public API fails here until the listing is updated on purpose.
/// </summary>
public class PublicApiTests
{
    private const string UpdateVariable = "KEEL_UPDATE_PUBLIC_API";

    [Fact]
    public void Public_api_matches_the_committed_listing()
    {
        string path = Path.Combine(KeelProcess.RepositoryRoot(), "tests", "Keel.Tests", "Api", "public-api.txt");
        string actual = PublicApiListing.Of(typeof(KeelRegression).Assembly);
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            File.WriteAllText(path, actual);
            return;
        }

        string expected = File.Exists(path) ? File.ReadAllText(path).ReplaceLineEndings("\n") : string.Empty;
        if (expected == actual)
        {
            return;
        }

        var expectedLines = expected.Split('\n').ToHashSet(StringComparer.Ordinal);
        var actualLines = actual.Split('\n').ToHashSet(StringComparer.Ordinal);
        var diff = new StringBuilder();
        foreach (string line in actual.Split('\n').Where(l => !expectedLines.Contains(l)))
        {
            diff.Append("+ ").AppendLine(line);
        }

        foreach (string line in expected.Split('\n').Where(l => !actualLines.Contains(l)))
        {
            diff.Append("- ").AppendLine(line);
        }

        Assert.Fail(
            $"The public API of Keel.Core changed (+ new, - gone):\n{diff}\n" +
            $"If the change is deliberate, regenerate the listing and commit it:\n" +
            $"  {UpdateVariable}=1 dotnet test --filter FullyQualifiedName~Keel.Tests.Api.PublicApiTests\n" +
            $"  git add tests/Keel.Tests/Api/public-api.txt");
    }

    [Fact]
    public void Only_the_api_is_public()
    {
        // Internal machinery (pipeline, solvers, cells) stays internal: every public type is in the root namespace.
        var outside = typeof(KeelRegression).Assembly.GetExportedTypes().Where(t => t.Namespace != "Keel").Select(t => t.FullName).ToList();
        Assert.Empty(outside);
    }

    [Fact]
    public void Every_public_member_has_xml_documentation()
    {
        // The build already fails on a missing doc (CS1591); this checks that the documentation file ships.
        string xml = Path.ChangeExtension(typeof(KeelRegression).Assembly.Location, ".xml");
        Assert.True(File.Exists(xml), $"{xml}: no documentation file; GenerateDocumentationFile must stay on in src/Keel/Keel.csproj");
        string docs = File.ReadAllText(xml);
        foreach (Type type in typeof(KeelRegression).Assembly.GetExportedTypes())
        {
            Assert.Contains($"\"T:{type.FullName}\"", docs, StringComparison.Ordinal);
        }
    }
}

/// <summary>A C#-like listing of an assembly's public types and members, one per line, sorted.</summary>
internal static class PublicApiListing
{
    private static readonly NullabilityInfoContext Nullability = new();

    public static string Of(Assembly assembly)
    {
        var lines = new List<string>();
        foreach (Type type in assembly.GetExportedTypes())
        {
            string typeName = type.FullName!;
            lines.Add($"{typeName}: {Kind(type)}{Bases(type)}");
            foreach (MemberInfo member in type.GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            {
                if (Describe(type, member) is { } text)
                {
                    lines.Add($"{typeName}.{text}");
                }
            }
        }

        lines.Sort(StringComparer.Ordinal);
        return string.Join("\n", lines) + "\n";
    }

    private static string Kind(Type type) =>
        type.IsEnum ? "enum"
        : type.IsInterface ? "interface"
        : type.IsValueType ? (IsRecord(type) ? "record struct" : "struct")
        : type.IsAbstract && type.IsSealed ? "static class"
        : (type.IsSealed ? "sealed " : type.IsAbstract ? "abstract " : string.Empty) + (IsRecord(type) ? "record" : "class");

    private static bool IsRecord(Type type) => type.GetMethod("<Clone>$") is not null || type.GetMethod("PrintMembers", BindingFlags.NonPublic | BindingFlags.Instance) is not null;

    private static string Bases(Type type)
    {
        var bases = new List<string>();
        if (type.BaseType is { } b && b != typeof(object) && b != typeof(ValueType) && b != typeof(Enum))
        {
            bases.Add(Name(b));
        }

        bases.AddRange(type.GetInterfaces().Where(i => i.IsPublic).Select(Name).Order(StringComparer.Ordinal));
        return bases.Count == 0 ? string.Empty : " : " + string.Join(", ", bases);
    }

    private static string? Describe(Type type, MemberInfo member)
    {
        if (member.Name.Contains('<', StringComparison.Ordinal))
        {
            return null;
        }

        switch (member)
        {
            case FieldInfo field when type.IsEnum:
                return field.IsStatic ? $"{field.Name} = {Convert.ToInt64(field.GetRawConstantValue(), System.Globalization.CultureInfo.InvariantCulture)}" : null;
            case FieldInfo field:
                return $"{(field.IsLiteral ? "const " : field.IsStatic ? "static " : string.Empty)}{(field.IsInitOnly ? "readonly " : string.Empty)}{Name(field.FieldType, Nullability.Create(field))} {field.Name}";
            case ConstructorInfo ctor:
                return $"ctor({Parameters(ctor)})";
            case MethodInfo method when method.IsSpecialName && !method.Name.StartsWith("op_", StringComparison.Ordinal):
                return null;
            case MethodInfo method:
                return $"{(method.IsStatic ? "static " : string.Empty)}{Name(method.ReturnType, Nullability.Create(method.ReturnParameter))} {method.Name}({Parameters(method)})";
            case PropertyInfo property:
                return Property(property);
            case EventInfo e:
                return $"event {Name(e.EventHandlerType!, Nullability.Create(e))} {e.Name}";
            case Type nested:
                return $"nested {nested.Name}";
            default:
                return null;
        }
    }

    private static string Property(PropertyInfo property)
    {
        MethodInfo? get = property.GetMethod is { IsPublic: true } g ? g : null;
        MethodInfo? set = property.SetMethod is { IsPublic: true } s ? s : null;
        bool init = set is not null && set.ReturnParameter.GetRequiredCustomModifiers().Any(m => m.FullName == "System.Runtime.CompilerServices.IsExternalInit");
        bool required = property.GetCustomAttributes().Any(a => a.GetType().Name == "RequiredMemberAttribute");
        string accessors = (get is null ? string.Empty : "get; ") + (set is null ? string.Empty : init ? "init; " : "set; ");
        bool isStatic = (get ?? set)?.IsStatic ?? false;
        string indexer = property.GetIndexParameters() is { Length: > 0 } ps ? $"[{string.Join(", ", ps.Select(Parameter))}]" : string.Empty;
        return $"{(isStatic ? "static " : string.Empty)}{(required ? "required " : string.Empty)}{Name(property.PropertyType, Nullability.Create(property))} {property.Name}{indexer} {{ {accessors}}}";
    }

    private static string Parameters(MethodBase method) => string.Join(", ", method.GetParameters().Select(Parameter));

    private static string Parameter(ParameterInfo p)
    {
        string text = $"{Name(p.ParameterType, Nullability.Create(p))} {p.Name}";
        if (p.HasDefaultValue)
        {
            text += " = " + (p.DefaultValue is null ? (p.ParameterType.IsValueType ? "default" : "null") : Convert.ToString(p.DefaultValue, System.Globalization.CultureInfo.InvariantCulture));
        }

        return text;
    }

    private static string Name(Type type) => Name(type, null);

    private static string Name(Type type, NullabilityInfo? nullability)
    {
        if (type.IsByRef)
        {
            return "ref " + Name(type.GetElementType()!, nullability?.ElementType);
        }

        if (Nullable.GetUnderlyingType(type) is { } inner)
        {
            return Name(inner) + "?";
        }

        string suffix = !type.IsValueType && nullability?.ReadState == NullabilityState.Nullable ? "?" : string.Empty;
        if (type.IsArray)
        {
            return Name(type.GetElementType()!, nullability?.ElementType) + "[]" + suffix;
        }

        string name = Keyword(type) ?? type.Name;
        if (type.IsGenericType)
        {
            Type[] args = type.GetGenericArguments();
            NullabilityInfo[]? argInfo = nullability?.GenericTypeArguments;
            name = name[..name.IndexOf('`', StringComparison.Ordinal)] + "<" + string.Join(", ", args.Select((a, i) => Name(a, argInfo is { } ai && i < ai.Length ? ai[i] : null))) + ">";
        }

        return name + suffix;
    }

    private static string? Keyword(Type type) => type == typeof(string) ? "string"
        : type == typeof(int) ? "int"
        : type == typeof(long) ? "long"
        : type == typeof(double) ? "double"
        : type == typeof(bool) ? "bool"
        : type == typeof(object) ? "object"
        : type == typeof(void) ? "void"
        : null;
}
