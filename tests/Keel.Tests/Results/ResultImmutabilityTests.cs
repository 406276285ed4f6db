using System.Reflection;
using System.Runtime.CompilerServices;
using Keel.Results;

namespace Keel.Tests.Results;

/// <summary>
/// The result is built once by its assemblers and never changed after (issue 17): every property of
/// the result types is get-only or init-only, and its lists are read-only views, so a writer, the
/// public view or a later stage cannot patch a result in place.
/// </summary>
public class ResultImmutabilityTests
{
    public static TheoryData<Type> ResultTypes => new() { typeof(FitResult), typeof(CoefficientResult), typeof(GlmReport) };

    [Theory]
    [MemberData(nameof(ResultTypes))]
    public void Every_property_is_get_or_init_only(Type type)
    {
        foreach (PropertyInfo property in type.GetProperties(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance))
        {
            // Records carry a compiler-generated EqualityContract (get-only); skip nothing else.
            MethodInfo? setter = property.SetMethod;
            if (setter is null)
            {
                continue;
            }

            bool initOnly = setter.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(IsExternalInit));
            Assert.True(initOnly, $"{type.Name}.{property.Name} has a setter that is not init-only");
        }
    }

    [Fact]
    public void The_result_lists_are_read_only_interfaces()
    {
        foreach (string name in new[] { nameof(FitResult.Coefficients), nameof(FitResult.Warnings), nameof(FitResult.NearDependencies) })
        {
            Type type = typeof(FitResult).GetProperty(name)!.PropertyType;
            Assert.True(type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyList<>), $"FitResult.{name} is {type.Name}, not IReadOnlyList<>");
        }
    }
}
