namespace Engram.Models.Discovery;

/// <summary>
/// Names for the values of <c>general.file_type</c>, following llama.cpp's <c>llama_ftype</c> enum
/// (<c>LLAMA_FTYPE_MOSTLY_Q4_K_M</c> = 15 → <c>"Q4_K_M"</c>).
/// </summary>
public static class GgufFileTypes
{
    // Index = enum value. Nulls are values llama.cpp removed or never assigned.
    private static readonly string?[] s_names =
    [
        "F32", "F16", "Q4_0", "Q4_1", "Q4_1_SOME_F16", null, null, "Q8_0", "Q5_0", "Q5_1",
        "Q2_K", "Q3_K_S", "Q3_K_M", "Q3_K_L", "Q4_K_S", "Q4_K_M", "Q5_K_S", "Q5_K_M", "Q6_K", "IQ2_XXS",
        "IQ2_XS", "Q2_K_S", "IQ3_XS", "IQ3_XXS", "IQ1_S", "IQ4_NL", "IQ3_S", "IQ3_M", "IQ2_S", "IQ2_M",
        "IQ4_XS", "IQ1_M", "BF16", "Q4_0_4_4", "Q4_0_4_8", "Q4_0_8_8", "TQ1_0", "TQ2_0", "MXFP4_MOE",
    ];

    // llama.cpp ORs this flag in when the file type was guessed from the tensors rather than chosen.
    private const uint GuessedFlag = 1024;

    /// <summary>
    /// Returns the llama.cpp name of <paramref name="fileType"/> (e.g. <c>"Q4_K_M"</c>, <c>"Q8_0"</c>, <c>"F16"</c>),
    /// or <c>"unknown(N)"</c> for a value this table does not know.
    /// </summary>
    public static string GetName(uint fileType)
    {
        var value = fileType & ~GuessedFlag;
        return value < s_names.Length && s_names[value] is { } name ? name : $"unknown({fileType})";
    }
}
