# Independent check for tst_shared_laws: Chinchilla Approach 3 (Epoch's recipe: 5 highest losses dropped, LSE form,
# Huber on log residuals, their start grid) with Huber delta 1e-4, in plain Python (no MoEScope code, no
# SciPy): grid, then Nelder-Mead from the 6 best grid points. Run: python3 epoch_huber_delta_1e-4.py
import csv, math, itertools
rows=list(csv.DictReader(open(__import__('sys').argv[1] if len(__import__('sys').argv) > 1 else '../shared/data/epoch_chinchilla/svg_extracted_data.csv')))
pts=[(float(r['Model Size']), float(r['Training FLOP'])/(6*float(r['Model Size'])), float(r['loss'])) for r in rows]
pts.sort(key=lambda p:p[2]); pts=pts[:-5]
X=[(math.log(n), math.log(d), math.log(l)) for n,d,l in pts]
DELTA=1e-4
def hub(r):
    a=abs(r); return 0.5*r*r if a<=DELTA else DELTA*(a-0.5*DELTA)
def obj(p):
    a,b,e,al,be=p; s=0
    for ln,ld,ll in X:
        t1=a-al*ln; t2=b-be*ld; m=max(t1,t2,e)
        lse=m+math.log(math.exp(t1-m)+math.exp(t2-m)+math.exp(e-m))
        s+=hub(lse-ll)
    return s
def nm(f,x0,step=0.5,iters=6000,tol=1e-16):
    n=len(x0); S=[list(x0)]
    for i in range(n):
        y=list(x0); y[i]+=step if i<3 else step*0.2; S.append(y)
    F=[f(s) for s in S]
    for it in range(iters):
        o=sorted(range(n+1),key=lambda i:F[i]); S=[S[i] for i in o]; F=[F[i] for i in o]
        if abs(F[-1]-F[0])<tol: break
        c=[sum(S[i][j] for i in range(n))/n for j in range(n)]
        xr=[c[j]+(c[j]-S[-1][j]) for j in range(n)]; fr=f(xr)
        if fr<F[0]:
            xe=[c[j]+2*(c[j]-S[-1][j]) for j in range(n)]; fe=f(xe)
            if fe<fr: S[-1],F[-1]=xe,fe
            else: S[-1],F[-1]=xr,fr
        elif fr<F[-2]: S[-1],F[-1]=xr,fr
        else:
            xc=[c[j]+0.5*(S[-1][j]-c[j]) for j in range(n)]; fc=f(xc)
            if fc<F[-1]: S[-1],F[-1]=xc,fc
            else:
                for i in range(1,n+1):
                    S[i]=[S[0][j]+0.5*(S[i][j]-S[0][j]) for j in range(n)]; F[i]=f(S[i])
    i=min(range(n+1),key=lambda i:F[i]); return S[i],F[i]
grid=[]
for al in (0,.5,1,1.5,2):
  for be in (0,.5,1,1.5,2):
    for e in (-1,-.5,0,.5,1):
      for a in (0,5,10,15,20,25):
        for b in (0,5,10,15,20,25):
          grid.append((a,b,e,al,be))
scored=sorted(grid,key=obj)[:6]
best=None
for g in scored:
    x,fx=nm(obj,g)
    for _ in range(4): x,fx=nm(obj,x,step=0.05)
    if best is None or fx<best[1]: best=(x,fx)
a,b,e,al,be=best[0]
print("E %.4f A %.2f B %.2f alpha %.4f beta %.4f obj %.6e"%(math.exp(e),math.exp(a),math.exp(b),al,be,best[1]))
