/**
 * The built-in topic list: for each topic of the archives' vocabulary, phrases that point to it.
 * A phrase in the title counts 2, in the summary 1; a topic needs 2. `also` must match too when
 * given; `unless` (counted the same way) vetoes at 2. A topic brings the broader one it lies
 * `within` (Visual Question Answering brings Multimodal). With no tagged papers to learn from, the
 * list is read wide: the `wide` phrases count too, a topic needs `min` (2 unless said), and a paper
 * no topic reaches gets the topics a single phrase points to, so few papers go without one.
 */
export interface KeywordRule {
  tag: string;
  any: RegExp[];
  /** Phrases that point to the topic less surely: read only when there are no tagged papers to learn from. */
  wide?: RegExp[];
  also?: RegExp[];
  unless?: RegExp[];
  min?: number;
  /** The broader topic this one lies within: a paper given this topic is given that one too. */
  within?: string;
}

// Signs that a paper is about more than text: images, video, sound, the physical world.
const BEYOND_TEXT = [
  /\bmulti-?modal/i,
  /\bvision/i,
  /\bvisual/i,
  /\bimages?\b/i,
  /\bvideos?\b/i,
  /\baudio\b/i,
  /\bspeech\b/i,
  /\b(?:VLM|MLLM|LMM|LVLM)s?\b/,
  /\b3D\b/,
  /\brobot/i,
];
const MULTIMODAL_MODEL = [/\bmulti-?modal/i, /\bvision[- ]language/i, /\b(?:VLM|MLLM|LMM|LVLM)s?\b/, /\bomni-?modal/i];
const LANGUAGE_MODEL = [/\blanguage models?\b/i, /\bLLMs?\b/, /\bLRMs?\b/, /\breasoning models?\b/i];

// What is done to a language model to make it write: train, tune, align, shrink or speed it.
const LLM_CRAFT = [
  /\binference\b/i,
  /\bpruning\b/i,
  /\bquantiz/i,
  /\bsparsity\b/i,
  /\bpre-?train/i,
  /\bfine-?tun/i,
  /\balignment\b/i,
  /\bdialog/i,
  /\bconversation/i,
  /\bcod(?:e|ing)\b/i,
  /\blong[- ]context\b/i,
  /\bjailbreak/i,
  /\bgenerat/i,
  /\binstruction/i,
  /\bchat/i,
  /\bresponses?\b/i,
];

export const KEYWORD_RULES: readonly KeywordRule[] = [
  {
    tag: 'Multimodal',
    any: [
      ...MULTIMODAL_MODEL,
      /\baudio-visual\b/i,
      /\bcross-modal/i,
      /\bimage-text\b/i,
      /\bvisual (?:question|reasoning|understanding|instruction|grounding)/i,
      /\bvideo[- ](?:LLM|language|understanding|question)/i,
      /\bany-to-any\b/i,
      /\btext-to-(?:image|video|speech|audio|3D)\b/i,
    ],
    min: 1,
  },
  {
    tag: 'Natural Language Processing',
    any: [
      ...LANGUAGE_MODEL,
      /\bnatural language\b/i,
      /\bNLP\b/,
      /\bchain[- ]of[- ]thought\b/i,
      /\btokeni[sz]/i,
      /\blinguistic/i,
      /\bagents?\b/i,
      /\bagentic\b/i,
      /\bwriting\b/i,
      /\bprompts?\b/i,
    ],
    wide: [/\bdialog(?:ue)?s?\b/i, /\bconversations?\b/i, /\bprogramming\b/i],
    unless: BEYOND_TEXT,
  },
  {
    tag: 'Text Generation',
    any: [
      /\btext generation\b/i,
      /\b(?:story|creative|long-form) (?:writing|generation)\b/i,
      /\bspeculative decoding\b/i,
      /\bKV[- ]cache\b/i,
      /\bdecoding\b/i,
      /\bgenerat\w* (?:text|responses)\b/i,
      /\binstruction[- ]tun/i,
      /\bcode (?:generation|synthesis|completion)\b/i,
      /\bwriting\b/i,
    ],
    wide: LLM_CRAFT,
    also: LANGUAGE_MODEL,
    unless: BEYOND_TEXT,
    within: 'Natural Language Processing',
  },
  {
    tag: 'Text2Text Generation',
    any: [
      /\bcode (?:generation|repair|editing|translation)\b/i,
      /\bprogramming\b/i,
      /\bsoftware engineering\b/i,
      /\btext-to-SQL\b/i,
      /\bstructured outputs?\b/i,
    ],
    wide: [/\bcod(?:e|ing)\b/i, /\bSQL\b/],
    also: LANGUAGE_MODEL,
    within: 'Text Generation',
  },
  {
    tag: 'Question Answering',
    any: [
      /\bquestion[- ]answering\b/i,
      /\bQA\b/,
      /\bRAG\b/,
      /\bretrieval[- ]augmented\b/i,
      /\bmulti-hop\b/i,
      /\b(?:mathematical|math|logical) reasoning\b/i,
      /\breasoning\b/i,
      /\bmath/i,
    ],
    wide: [/\bretrieval\b/i, /\bquestions?\b/i, /\banswers?\b/i],
    unless: BEYOND_TEXT,
  },
  {
    tag: 'Visual Question Answering',
    any: [
      /\bVQA\b/,
      /\bvisual question/i,
      /\bvisual reasoning\b/i,
      /\bvisual understanding\b/i,
      /\b(?:MLLM|LMM|LVLM|VLM)s?\b/,
      /\bvision[- ]language models?\b/i,
    ],
    wide: [/\bmultimodal (?:large )?language models?\b/i, /\blarge multimodal models?\b/i],
    also: [/\bbenchmark/i, /\bquestion/i, /\breasoning\b/i, /\bunderstanding\b/i, /\bimages?\b/i, /\bvisual\b/i, /\bdialog/i],
    within: 'Multimodal',
  },
  {
    tag: 'Reinforcement Learning',
    any: [
      /\breinforcement learning\b/i,
      /\bRL\b/,
      /\bRLHF\b/,
      /\bGRPO\b/,
      /\bPPO\b/,
      /\bpolicy optimi[sz]ation\b/i,
      /\breward models?\b/i,
      /\bpreference optimi[sz]ation\b/i,
      /\breinforcement fine-?tuning\b/i,
    ],
  },
  {
    tag: 'Computer Vision',
    any: [
      /\bcomputer vision\b/i,
      /\bobject detection\b/i,
      /\b(?:image|semantic|instance|video object) segmentation\b/i,
      /\b(?:depth|pose) estimation\b/i,
      /\bnovel view synthesis\b/i,
      /\bgaussian splatting\b/i,
      /\b3D reconstruction\b/i,
      /\boptical flow\b/i,
    ],
    unless: [/\blanguage models?\b/i, /\bLLMs?\b/],
  },
  { tag: 'Image-to-Text', any: [/\bimage caption/i, /\bcaptioning\b/i, /\bOCR\b/, /\bimage-to-text\b/i], within: 'Multimodal' },
  {
    tag: 'Video-Text-to-Text',
    any: [
      /\bvideo[- ]?LLMs?\b/i,
      /\bvideo (?:language models?|understanding|question answering|QA|reasoning)\b/i,
      /\blong[- ]video\b/i,
      /\bvideo-text\b/i,
    ],
    wide: [/\bvideos?\b/i],
    unless: [/\bvideo generation\b/i, /\btext-to-video\b/i, /\bvideo diffusion\b/i],
    within: 'Multimodal',
  },
  { tag: 'Text-to-Image', any: [/\btext-to-image\b/i, /\bT2I\b/, /\bimage generation\b/i, /\bimage synthesis\b/i], within: 'Multimodal' },
  {
    tag: 'Text-to-Video',
    any: [/\btext-to-video\b/i, /\bT2V\b/, /\bvideo generation\b/i, /\bvideo synthesis\b/i, /\bvideo diffusion\b/i],
    within: 'Multimodal',
  },
  { tag: 'Text-to-3D', any: [/\btext-to-3D\b/i, /\b3D (?:asset |scene |shape )?generation\b/i] },
  { tag: 'Image-to-3D', any: [/\bimage-to-3D\b/i, /\bsingle[- ]image 3D\b/i, /\bsingle-view 3D\b/i] },
  {
    tag: 'Image-to-Image',
    any: [/\bimage-to-image\b/i, /\bimage editing\b/i, /\bsuper-resolution\b/i, /\binpainting\b/i, /\bstyle transfer\b/i],
  },
  { tag: 'Image-to-Video', any: [/\bimage-to-video\b/i, /\bI2V\b/, /\bimage animation\b/i], within: 'Multimodal' },
  { tag: 'Automatic Speech Recognition', any: [/\bspeech recognition\b/i, /\bASR\b/, /\btranscription\b/i] },
  { tag: 'Text-to-Speech', any: [/\btext-to-speech\b/i, /\bTTS\b/, /\bspeech synthesis\b/i, /\bvoice cloning\b/i] },
  { tag: 'Text-to-Audio', any: [/\btext-to-(?:audio|music)\b/i, /\b(?:music|audio|sound) generation\b/i] },
  { tag: 'Audio-to-Audio', any: [/\bspeech-to-speech\b/i, /\bvoice conversion\b/i, /\bspeech enhancement\b/i, /\bspeech separation\b/i] },
  { tag: 'Audio Classification', any: [/\baudio classification\b/i, /\bsound event\b/i, /\baudio tagging\b/i] },
  { tag: 'Audio', any: [/\baudio\b/i, /\bspeech\b/i, /\bmusic\b/i, /\bspoken\b/i, /\bvoice\b/i, /\bsound\b/i] },
  { tag: 'Image Classification', any: [/\bimage classification\b/i, /\bImageNet\b/i] },
  { tag: 'Zero-Shot Image Classification', any: [/\bzero-shot (?:image )?classification\b/i, /\bCLIP\b/] },
  { tag: 'Image Segmentation', any: [/\bsegmentation\b/i, /\bSAM\b/] },
  { tag: 'Object Detection', any: [/\bobject detection\b/i, /\bdetectors?\b/i], also: [/\bimages?\b/i, /\bobjects?\b/i, /\bvisual\b/i] },
  { tag: 'Zero-Shot Object Detection', any: [/\bopen-vocabulary (?:object )?detection\b/i, /\bzero-shot (?:object )?detection\b/i] },
  { tag: 'Depth Estimation', any: [/\bdepth estimation\b/i, /\bmonocular depth\b/i, /\bmetric depth\b/i] },
  { tag: 'Keypoint Detection', any: [/\bkeypoints?\b/i, /\blandmark detection\b/i] },
  { tag: 'Video Classification', any: [/\baction recognition\b/i, /\bvideo classification\b/i, /\btemporal action\b/i] },
  {
    tag: 'Robotics',
    any: [
      /\brobot/i,
      /\bembodied\b/i,
      /\bmanipulation tasks?\b/i,
      /\bautonomous driving\b/i,
      /\bvision-language-action\b/i,
      /\bVLA\b/,
      /\blocomotion\b/i,
    ],
  },
  {
    tag: 'Document Question Answering',
    any: [/\bdocument (?:understanding|question|QA|VQA|parsing)\b/i, /\bDocVQA\b/i, /\bcharts?\b/i, /\bdiagrams?\b/i, /\bPDFs?\b/],
    within: 'Multimodal',
  },
  { tag: 'Table Question Answering', any: [/\btable (?:question|QA|reasoning|understanding)\b/i, /\btabular (?:question|reasoning)\b/i] },
  {
    tag: 'Graph Machine Learning',
    any: [/\bgraph neural networks?\b/i, /\bGNNs?\b/, /\bknowledge graphs?\b/i, /\bmolecul/i, /\bGraphRAG\b/i],
  },
  {
    tag: 'Text Classification',
    any: [/\btext classification\b/i, /\bsentiment\b/i, /\b(?:toxicity|hate speech|misinformation|fake news) detection\b/i],
  },
  { tag: 'Summarization', any: [/\bsummari[sz]ation\b/i, /\bsummari[sz]ing\b/i] },
  { tag: 'Translation', any: [/\bmachine translation\b/i, /\btranslation\b/i, /\btranslat(?:e|ing) (?:between|into|from)\b/i] },
  { tag: 'Feature Extraction', any: [/\bembedding models?\b/i, /\btext embeddings?\b/i, /\bsparse autoencoders?\b/i, /\bSAEs?\b/] },
  { tag: 'Sentence Similarity', any: [/\bsentence (?:embeddings?|similarity)\b/i, /\bsemantic (?:textual )?similarity\b/i] },
  {
    tag: 'Image Feature Extraction',
    any: [/\bvisual (?:encoders?|representations?|features?)\b/i, /\bvision (?:encoders?|backbones?|transformers?)\b/i, /\bViT\b/],
  },
  { tag: 'Any-to-Any', any: [/\bany-to-any\b/i, /\bomni-?modal\b/i, /\bomni\b/i], within: 'Multimodal' },
  { tag: 'Time Series Forecasting', any: [/\btime[- ]series\b/i, /\bforecasting\b/i] },
  {
    tag: 'Machine Learning',
    any: [
      /\bfederated learning\b/i,
      /\bcontinual learning\b/i,
      /\boptimi[sz]ers?\b/i,
      /\bgradient descent\b/i,
      /\bscaling laws?\b/i,
      /\bgenerali[sz]ation bounds?\b/i,
      /\bhyperparameters?\b/i,
    ],
  },
];
