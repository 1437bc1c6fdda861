#!/usr/bin/python3
"""Prototype (issue 5): fine-tune the top of the demo MobileNetV2 with Outlier Exposure, then
measure the post-hoc OOD scores on the fine-tuned features (PyTorch, Debian python3-torch).

Not part of the trainer: the Java trainer does this for real (backbone.split + backbone.fine_tune,
trainer/README.md). This script is the record of the measurements that led there.

What it measures, on examples/data/fashion-unknown (tools/data/export_fashion_unknown.py):
  - the trunk (stem .. block_12 of models/fashion/1/backbone.pt, 96 px bilinear from 28x28) is run
    once and its outputs cached in --cache (about 200 MB);
  - --epochs 0: the frozen backbone (baseline); else blocks from --train_from .. block_16 + the
    head conv are fine-tuned (AdamW, --lr, --wd) with a linear layer (linear-probe init with
    --lp 1, zeros with --lp 0): cross-entropy on the 4 known classes + --oe x cross-entropy to
    uniform on 1,800 letters (200 held out for validation);
  - on the resulting 1280-d features: a linear head (CE + OE, standardised) -> ID accuracy, max
    softmax, energy; Mahalanobis (class means + shared covariance, shrinkage .01); cosine k-NN
    (k=10 over the 4,000 training rows; k=5 over a seeded 1,000-row bank); a linear gate (ID vs
    letters); fusions z-scored on ID validation with equal weights;
  - AUROC / FPR95 (ID test vs near-ood, digits, photos; the same definitions as the trainer's
    metrics.json) and, as the validation-only view, ID val vs the held-out letters.
Run (about 2 min to cache, 3-5 min per fine-tune on 2 idle cores):
  nice -n 15 /usr/bin/python3 tools/experiments/top_finetune_oe.py --epochs 0 --tag frozen
  nice -n 15 /usr/bin/python3 tools/experiments/top_finetune_oe.py --epochs 8 --train_from 14 --tag ft14
Writes res-TAG.json in the current folder. Seeded; results vary slightly with the thread count.
"""
import torch, numpy as np, argparse, json, time, os, glob, torch.nn as nn, torch.nn.functional as F

def cache_trunk(path, data, backbone):
    """Runs stem .. block_12 once over every split and saves {split: (maps, labels)}."""
    from PIL import Image
    m = torch.jit.load(backbone).eval()
    labels = ['trouser', 'bag', 'sneaker', 'dress']
    out = {}
    for split in ['train', 'val', 'test', 'letters', 'near-ood', 'digits', 'photos']:
        fs = sorted(glob.glob(f'{data}/{split}/**/*.png', recursive=True))
        y = [labels.index(os.path.basename(os.path.dirname(f))) if split in ('train', 'val', 'test') else -1
             for f in fs]
        feats = []
        for i in range(0, len(fs), 64):
            x = torch.stack([torch.from_numpy(np.asarray(Image.open(f).convert('RGB'), dtype=np.float32) / 255.)
                             .permute(2, 0, 1) for f in fs[i:i + 64]])
            x = F.interpolate(x, size=(96, 96), mode='bilinear', align_corners=False)
            with torch.no_grad():
                h = m.stem(x.contiguous(memory_format=torch.channels_last))
                for j in range(13):
                    h = getattr(m.blocks, 'block_%d' % j if j else 'expanded_conv')(h)
            feats.append(h.contiguous())
        out[split] = (torch.cat(feats), torch.from_numpy(np.array(y)))
        print(split, tuple(out[split][0].shape), flush=True)
    torch.save(out, path)
p=argparse.ArgumentParser(description='top fine-tuning + OE prototype')
p.add_argument('--cache',default='/tmp/fashion-trunk12.pt')
p.add_argument('--data',default='examples/data/fashion-unknown')
p.add_argument('--backbone',default='models/fashion/1/backbone.pt')
p.add_argument('--epochs',type=int,default=0)      # 0 = frozen baseline
p.add_argument('--train_from',type=int,default=14)  # first trainable block (13..16), 17 = head conv only
p.add_argument('--lr',type=float,default=1e-4)
p.add_argument('--wd',type=float,default=1e-4)
p.add_argument('--oe',type=float,default=0.5)
p.add_argument('--seed',type=int,default=42)
p.add_argument('--tag',default='')
p.add_argument('--lp',type=int,default=1)
p.add_argument('--head_lr',type=float,default=0)
a=p.parse_args()
torch.set_num_threads(int(os.environ.get("NT","2"))); torch.manual_seed(a.seed); np.random.seed(a.seed)
if not os.path.exists(a.cache): cache_trunk(a.cache, a.data, a.backbone)
D=torch.load(a.cache)
m=torch.jit.load(a.backbone)
blocks=[m.blocks.block_13,m.blocks.block_14,m.blocks.block_15,m.blocks.block_16]
trainable=[]
for i,b in enumerate(blocks):
    for q in b.parameters(): q.requires_grad_(13+i>=a.train_from and a.epochs>0); 
    if 13+i>=a.train_from: trainable+=list(b.parameters())
for q in m.head.parameters(): q.requires_grad_(a.epochs>0)
trainable+=list(m.head.parameters())
def top(h):
    for b in blocks: h=b(h)
    return m.head(h).mean((2,3))
def feats(x,bs=500):
    with torch.no_grad(): return torch.cat([top(x[i:i+bs]) for i in range(0,len(x),bs)])
Xtr,ytr=D['train']; Xva,yva=D['val']; Xte,yte=D['test']; L=D['letters'][0]
g=torch.Generator().manual_seed(a.seed); perm=torch.randperm(len(L),generator=g)
Ltr,Lva=L[perm[:1800]],L[perm[1800:]]
lin=nn.Linear(1280,4)
def fit_linear(Ftr,Flet,epochs=60):  # linear head on fixed features, CE + OE
    mu,sd=Ftr.mean(0),Ftr.std(0)+1e-6
    l=nn.Linear(1280,4); opt=torch.optim.AdamW(l.parameters(),1e-3,weight_decay=1e-4)
    for ep in range(epochs):
        pi=torch.randperm(len(Ftr),generator=g); pl=torch.randint(0,len(Flet),(len(Ftr),),generator=g)
        for i in range(0,len(Ftr),128):
            z=l((Ftr[pi[i:i+128]]-mu)/sd); zo=l((Flet[pl[i:i+128]]-mu)/sd)
            loss=F.cross_entropy(z,ytr[pi[i:i+128]])+a.oe*(zo.logsumexp(1)-zo.mean(1)).mean()
            opt.zero_grad(); loss.backward(); opt.step()
    W=l.weight.data/sd; b=l.bias.data-(l.weight.data*mu/sd).sum(1)   # fold standardisation
    r=nn.Linear(1280,4); r.weight.data=W; r.bias.data=b; return r
t0=time.time()
if a.epochs>0:
    if a.lp: lin=fit_linear(feats(Xtr),feats(Ltr))          # linear probe first (LP-FT)
    else: nn.init.zeros_(lin.weight); nn.init.zeros_(lin.bias)
    opt=torch.optim.AdamW([{'params':trainable,'lr':a.lr,'weight_decay':a.wd},{'params':lin.parameters(),'lr':a.head_lr or a.lr*10,'weight_decay':1e-4}])
    hist=[]
    for ep in range(a.epochs):
        pi=torch.randperm(len(Xtr),generator=g); pl=torch.randint(0,len(Ltr),(len(Xtr),),generator=g)
        tot=0
        for i in range(0,len(Xtr),64):
            idx=pi[i:i+64]; x=torch.cat([Xtr[idx],Ltr[pl[i:i+64]]]); z=lin(top(x)); n=len(idx)
            loss=F.cross_entropy(z[:n],ytr[idx]); 
            if a.oe>0: zo=z[n:]; loss=loss+a.oe*(zo.logsumexp(1)-zo.mean(1)).mean()
            opt.zero_grad(); loss.backward(); opt.step(); tot+=loss.item()*n
        with torch.no_grad():
            zv=lin(feats(Xva)); zl=lin(feats(Lva))
            vl=F.cross_entropy(zv,yva).item()+a.oe*(zl.logsumexp(1)-zl.mean(1)).mean().item()
            hist.append(dict(ep=ep,train=tot/len(Xtr),val=vl,val_acc=(zv.argmax(1)==yva).float().mean().item()))
        print(hist[-1],round(time.time()-t0),flush=True)
F_={k:feats(v[0]) for k,v in D.items()}
# the served-like head: linear CE+OE on the final features (as the Java trainer would train on cached features)
head=fit_linear(F_['train'],F_['letters'][perm[:1800]])
def auroc(i,o):
    """ID vs OOD, OOD positive, higher score = more unknown; ties count 1/2 (average ranks)."""
    s=np.concatenate([i,o]); order=np.argsort(s,kind='mergesort'); ranks=np.empty(len(s)); ss=s[order]; j=0
    while j<len(ss):
        k=j
        while k+1<len(ss) and ss[k+1]==ss[j]: k+=1
        ranks[order[j:k+1]]=(j+k)/2+1; j=k+1
    n1=len(i); n2=len(o); return (ranks[n1:].sum()-n2*(n2+1)/2)/(n1*n2)
def fpr95(i,o):
    t=np.sort(i)[int(np.ceil(0.95*len(i)))-1]; return float((o<=t).mean())
Ftr=F_['train']
mus=torch.stack([Ftr[ytr==c].mean(0) for c in range(4)]).double()
R=(Ftr.double()-mus[ytr]); S=R.T@R/len(Ftr); al=0.01; S=(1-al)*S+al*S.trace()/1280*torch.eye(1280,dtype=torch.double); P=torch.linalg.inv(S)
def maha(X):
    X=X.double(); d=torch.stack([(((X-mus[c])@P)*(X-mus[c])).sum(1) for c in range(4)],1); return d.min(1).values.numpy()
def knn(bank,k):
    B=F.normalize(bank.double(),dim=1)
    def s(X):
        sim=F.normalize(X.double(),dim=1)@B.T; return (1-sim.topk(k,dim=1).values[:,-1]).numpy()
    return s
bank1000=Ftr[torch.randperm(len(Ftr),generator=torch.Generator().manual_seed(7))[:1000]]
# gate: logistic in (train) vs out (letters train), standardised
mu,sd=Ftr.mean(0),Ftr.std(0)+1e-6; gl=nn.Linear(1280,1); go=torch.optim.AdamW(gl.parameters(),1e-3,weight_decay=1e-4)
Lf=F_['letters'][perm[:1800]]
for ep in range(30):
    X=torch.cat([Ftr,Lf]); Y=torch.cat([torch.zeros(len(Ftr)),torch.ones(len(Lf))]); pi=torch.randperm(len(X),generator=g)
    for i in range(0,len(X),128):
        l=F.binary_cross_entropy_with_logits(gl((X[pi[i:i+128]]-mu)/sd).squeeze(1),Y[pi[i:i+128]]); go.zero_grad(); l.backward(); go.step()
with torch.no_grad():
    methods={'msp':lambda X:(-head(X).softmax(1).max(1).values).numpy(),
             'energy':lambda X:(-head(X).logsumexp(1)).numpy(),
             'maha':maha,'knn10':knn(Ftr,10),'knn5_1000':knn(bank1000,5),
             'gate':lambda X:gl((X-mu)/sd).squeeze(1).numpy()}
    S={m_:{k:f(v) for k,v in F_.items()} for m_,f in methods.items()}
def fuse(names):
    out={}
    for k in F_:
        out[k]=sum((S[n][k]-S[n]['val'].mean())/S[n]['val'].std() for n in names)
    return out
for combo in [('maha','knn10'),('maha','knn5_1000','gate'),('maha','knn10','energy'),('maha','knn10','gate'),('maha','knn10','msp')]:
    S['fuse:'+'+'.join(combo)]=fuse(combo)
with torch.no_grad(): acc=(head(F_['test']).argmax(1)==yte).float().mean().item(); accv=(head(F_['val']).argmax(1)==yva).float().mean().item()
res=dict(args=vars(a),id_acc=acc,id_val_acc=accv,rows={})
print(f"{a.tag} ID test acc {acc:.4f} val acc {accv:.4f}  ({round(time.time()-t0)} s)")
for mth,s in S.items():
    row={o:(auroc(s['test'],s[o]),fpr95(s['test'],s[o])) for o in ['near-ood','digits','photos']}
    # validation-only view: ID val vs held-out letters
    row['letters-val']=(auroc(s['val'],s['letters'][perm[1800:]]),fpr95(s['val'],s['letters'][perm[1800:]]))
    res['rows'][mth]=row
    print(f"{mth:24s} "+"  ".join(f"{o} {v[0]:.3f}/{v[1]:.3f}" for o,v in row.items()))
json.dump(res,open(f'res-{a.tag or "run"}.json','w'),indent=1)
