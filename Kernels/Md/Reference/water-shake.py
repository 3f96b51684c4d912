# Writes water-shake.data: 216 SPC/E waters on a jittered 6x6x6 lattice in an 18.6 A box, bonds and angles a little off
# equilibrium (python3 water-shake.py).
import math, random
random.seed(17)
n=6; L=18.6; a=L/n
atoms=[]; bonds=[]; angles=[]
def rot(v,axis,ang):
    ax=[c/math.sqrt(sum(x*x for x in axis)) for c in axis]
    c,s=math.cos(ang),math.sin(ang)
    d=sum(v[i]*ax[i] for i in range(3))
    cr=[ax[1]*v[2]-ax[2]*v[1], ax[2]*v[0]-ax[0]*v[2], ax[0]*v[1]-ax[1]*v[0]]
    return [v[i]*c+cr[i]*s+ax[i]*d*(1-c) for i in range(3)]
mol=0
for i in range(n):
  for j in range(n):
    for k in range(n):
      mol+=1
      o=[(i+0.5)*a+random.uniform(-0.2,0.2),(j+0.5)*a+random.uniform(-0.2,0.2),(k+0.5)*a+random.uniform(-0.2,0.2)]
      th=math.radians(109.47+random.uniform(-2,2))
      b1=1.0+random.uniform(-0.02,0.02); b2=1.0+random.uniform(-0.02,0.02)
      h1=[b1,0,0]; h2=[b2*math.cos(th),b2*math.sin(th),0]
      axis=[random.gauss(0,1) for _ in range(3)]; ang=random.uniform(0,2*math.pi)
      h1=rot(h1,axis,ang); h2=rot(h2,axis,ang)
      base=len(atoms)+1
      atoms.append((base,mol,1,-0.8476,o))
      atoms.append((base+1,mol,2,0.4238,[o[d]+h1[d] for d in range(3)]))
      atoms.append((base+2,mol,2,0.4238,[o[d]+h2[d] for d in range(3)]))
      bonds.append((len(bonds)+1,1,base,base+1)); bonds.append((len(bonds)+1,1,base,base+2))
      angles.append((len(angles)+1,1,base+1,base,base+2))
with open('water-shake.data','w') as f:
  f.write("SPC/E water for fix shake: 216 molecules on a jittered lattice, bonds and angles off equilibrium\n\n")
  f.write(f"{len(atoms)} atoms\n{len(bonds)} bonds\n{len(angles)} angles\n\n2 atom types\n1 bond types\n1 angle types\n\n")
  f.write(f"0.0 {L} xlo xhi\n0.0 {L} ylo yhi\n0.0 {L} zlo zhi\n\nMasses\n\n1 15.9994\n2 1.00794\n\nAtoms # full\n\n")
  for (id,m,t,q,x) in atoms:
    # wrap into box with image flags
    img=[0,0,0]; y=list(x)
    for d in range(3):
      while y[d]>=L: y[d]-=L; img[d]+=1
      while y[d]<0: y[d]+=L; img[d]-=1
    f.write(f"{id} {m} {t} {q} {y[0]:.6f} {y[1]:.6f} {y[2]:.6f} {img[0]} {img[1]} {img[2]}\n")
  f.write("\nBonds\n\n")
  for b in bonds: f.write(" ".join(map(str,b))+"\n")
  f.write("\nAngles\n\n")
  for b in angles: f.write(" ".join(map(str,b))+"\n")
