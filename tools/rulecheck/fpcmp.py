# fpcmp.py -- compare ribat fast patterns (rulecheck --dump-fp OUT) with Suricata engine analysis
# usage: python3 fpcmp.py /tmp/ea/rules.json OUT
# compare ribat's fast patterns (rulecheck --dump-fp) with Suricata's engine analysis rules.json
import json,sys,collections
def dec(p):
    out=bytearray(); i=0
    while i<len(p):
        if p[i]=='|':
            j=p.index('|',i+1)
            for h in p[i+1:j].split(): out.append(int(h,16))
            i=j+1
        else:
            out+=p[i].encode('latin1'); i+=1
    return bytes(out)
suri={}
for line in open(sys.argv[1]):
    d=json.loads(line); m=d.get('mpm')
    suri[(d['gid'],d['id'])]=(m['buffer'],dec(m['pattern'])) if m else None
same=diff=0; ex=[]
for line in open(sys.argv[2]):
    k,b,h=line.rstrip('\n').split('\t'); g,s=map(int,k.split(':'))
    v=None if b=='-' else (b,bytes.fromhex(h))
    if (g,s) not in suri: continue
    sv=suri[(g,s)]
    if sv is None and v is None or (sv and v and sv[1].lower()==v[1].lower()): same+=1
    else: diff+=1; ex.append(((g,s),sv,v))
print('same',same,'diff',diff)
for e in ex[:20]: print(e)
