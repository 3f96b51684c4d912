# Writes the NIfTI files NiftiReaderSpec reads, with nibabel (Debian python3-nibabel 5.0), and prints checks.
# Run from this folder: /usr/bin/python3 make_nifti.py > make_nifti.log
import nibabel as nib
import numpy as np

shape = (5, 4, 3)
# Value v(x, y, z) = x + 10 y + 100 z - 50, stored as int16 with scl_slope 0.5 and scl_inter 2.
raw = np.fromfunction(lambda x, y, z: x + 10 * y + 100 * z - 50, shape, dtype=np.int16).astype(np.int16)
img = nib.Nifti1Image(raw, np.eye(4))
img.header.set_data_dtype(np.int16)
img.header.set_slope_inter(0.5, 2.0)
nib.save(img, "int16_scaled.nii.gz")
back = nib.load("int16_scaled.nii.gz").get_fdata()
print("int16_scaled.nii.gz", shape, "v(4,3,2) =", back[4, 3, 2], "v(0,0,0) =", back[0, 0, 0])

f = nib.Nifti1Image(np.arange(np.prod(shape), dtype=np.float32).reshape(shape, order="F") / 4, np.eye(4))
nib.save(f, "float32.nii")
print("float32.nii", shape, "v(1,0,0) =", nib.load("float32.nii").get_fdata()[1, 0, 0])
