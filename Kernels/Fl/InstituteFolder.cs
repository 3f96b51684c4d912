namespace Dataflow.Kernels.Fl;

/// <summary>An institute's volumes from its folder in the Medical Segmentation Decathlon layout: <c>imagesTr/*.nii[.gz]</c>
/// and <c>labelsTr/</c> files of the same names.</summary>
/// <remarks>Files are taken in ordinal order of their names; the last <see cref="FlSettings.TestVolumes"/> are held out
/// for the Dice, the others are trained on. Each image is resampled to <see cref="FlSettings.Side"/>^3 voxels by nearest
/// neighbour (labels too, so they stay binary: non-zero is foreground) and its intensities standardised to mean 0 and
/// standard deviation 1 over the volume, as nnU-Net does for MR.</remarks>
public static class InstituteFolder
{
    /// <summary>The data of institute <paramref name="institute"/> under <see cref="FlSettings.DataDirectory"/>.</summary>
    /// <exception cref="InvalidDataException">A folder or file is missing or malformed (the message names it).</exception>
    public static InstituteData Load(FlSettings settings, int institute)
    {
        var root = settings.DataDirectory ?? throw new ArgumentException("the settings name no data directory", nameof(settings));
        var name = settings.InstituteName(institute);
        return Load(settings, Path.Combine(root, name), name);
    }

    /// <summary>The data of institute <paramref name="name"/> in its own <paramref name="folder"/> (a host's <c>--data</c>).</summary>
    /// <exception cref="InvalidDataException">A folder or file is missing or malformed (the message names it).</exception>
    public static InstituteData Load(FlSettings settings, string folder, string name)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var images = Path.Combine(folder, "imagesTr");
        var labels = Path.Combine(folder, "labelsTr");
        if (!Directory.Exists(images))
        {
            throw new InvalidDataException($"{images}: no such folder (institute {name} needs imagesTr/ and labelsTr/)");
        }
        var files = Directory.GetFiles(images)
            .Where(f => f.EndsWith(".nii", StringComparison.Ordinal) || f.EndsWith(".nii.gz", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToArray();
        if (files.Length < settings.TestVolumes + 1)
        {
            throw new InvalidDataException(
                $"{images}: {files.Length} NIfTI images; institute {name} needs at least {settings.TestVolumes + 1} ({settings.TestVolumes} held out)");
        }
        var volumes = files.Select(f => Volume(f, Path.Combine(labels, Path.GetFileName(f)), settings.Side)).ToArray();
        var train = volumes[..^settings.TestVolumes];
        return new InstituteData(train, volumes[^settings.TestVolumes..]);
    }

    /// <summary>One image and its label, resampled to <paramref name="side"/>^3 voxels.</summary>
    public static Volume Volume(string imagePath, string labelPath, int side)
    {
        if (!File.Exists(labelPath))
        {
            throw new InvalidDataException($"{labelPath}: missing (the label of {imagePath})");
        }
        var image = NiftiReader.Read(imagePath);
        var label = NiftiReader.Read(labelPath);
        if ((image.NX, image.NY, image.NZ) != (label.NX, label.NY, label.NZ))
        {
            throw new InvalidDataException(
                $"{labelPath}: {label.NX}x{label.NY}x{label.NZ} voxels, its image {imagePath} has {image.NX}x{image.NY}x{image.NZ}");
        }
        var n = side * side * side;
        var values = new float[n];
        var mask = new byte[n];
        for (var z = 0; z < side; z++)
        {
            var sz = (int)((z + 0.5) * image.NZ / side);
            for (var y = 0; y < side; y++)
            {
                var sy = (int)((y + 0.5) * image.NY / side);
                for (var x = 0; x < side; x++)
                {
                    var sx = (int)((x + 0.5) * image.NX / side);
                    var from = ((long)sz * image.NY + sy) * image.NX + sx;
                    var to = (z * side + y) * side + x;
                    values[to] = image.Voxels[from];
                    mask[to] = label.Voxels[from] != 0 ? (byte)1 : (byte)0;
                }
            }
        }
        double mean = 0, squares = 0;
        foreach (var v in values)
        {
            mean += v;
        }
        mean /= n;
        foreach (var v in values)
        {
            squares += (v - mean) * (v - mean);
        }
        var std = Math.Sqrt(squares / n);
        var scale = std > 0 ? 1 / std : 1;
        for (var i = 0; i < n; i++)
        {
            values[i] = (float)((values[i] - mean) * scale);
        }
        return new Volume(side, values, mask);
    }
}
