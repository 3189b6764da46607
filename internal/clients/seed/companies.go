package seed

// companies is the fixed company table. Domains are fictional but shaped like real ones,
// so the fake Explorium can match them exactly as it would a real company.
var companies = []Company{
	{"Northwind Analytics", "northwindanalytics.com", "software development", "511210", "Software Publishers", "7372", "Prepackaged Software", "51-200", "10M-25M", "united states", "california", "san francisco", "350 Mission St", "94105"},
	{"Bluefin Logistics", "bluefinlogistics.com", "transportation, logistics, supply chain and storage", "488510", "Freight Transportation Arrangement", "4731", "Arrangement of Transportation of Freight and Cargo", "201-500", "25M-75M", "united states", "illinois", "chicago", "233 S Wacker Dr", "60606"},
	{"Cedar & Pine Health", "cedarpinehealth.com", "hospitals and health care", "621111", "Offices of Physicians", "8011", "Offices and Clinics of Doctors of Medicine", "501-1000", "75M-200M", "united states", "massachusetts", "boston", "100 Federal St", "02110"},
	{"Helio Robotics", "heliorobotics.io", "automation machinery manufacturing", "333249", "Other Industrial Machinery Manufacturing", "3569", "General Industrial Machinery", "11-50", "1M-5M", "germany", "bavaria", "munich", "Leopoldstrasse 12", "80802"},
	{"Lumen Ledger", "lumenledger.com", "financial services", "522320", "Financial Transactions Processing", "6099", "Functions Related to Depository Banking", "201-500", "75M-200M", "united kingdom", "england", "london", "1 Finsbury Ave", "EC2M 2PF"},
	{"Quarry Street Media", "quarrystreet.co", "online audio and video media", "516210", "Media Streaming Distribution Services", "4841", "Cable and Other Pay Television Services", "11-50", "1M-5M", "united states", "new york", "brooklyn", "55 Water St", "11201"},
	{"Saltmarsh Foods", "saltmarshfoods.com", "food and beverage manufacturing", "311999", "All Other Miscellaneous Food Manufacturing", "2099", "Food Preparations", "1001-5000", "200M-500M", "united states", "oregon", "portland", "1120 NW Couch St", "97209"},
	{"Tessellate Cloud", "tessellate.cloud", "it services and it consulting", "518210", "Computing Infrastructure Providers", "7374", "Computer Processing and Data Preparation", "51-200", "5M-10M", "netherlands", "north holland", "amsterdam", "Herengracht 182", "1016 BR"},
	{"Orchid Biosciences Labs", "orchidbiolabs.com", "biotechnology research", "541714", "Research and Development in Biotechnology", "8731", "Commercial Physical and Biological Research", "201-500", "25M-75M", "united states", "north carolina", "durham", "800 Taylor St", "27701"},
	{"Granite Peak Capital", "granitepeakcap.com", "venture capital and private equity principals", "523910", "Miscellaneous Intermediation", "6799", "Investors", "11-50", "5M-10M", "united states", "colorado", "denver", "1600 Broadway", "80202"},
	{"Kestrel Security", "kestrelsec.io", "computer and network security", "541512", "Computer Systems Design Services", "7373", "Computer Integrated Systems Design", "51-200", "10M-25M", "israel", "tel aviv district", "tel aviv", "Rothschild Blvd 22", "6688218"},
	{"Maplewood Realty Group", "maplewoodrealty.com", "real estate", "531210", "Offices of Real Estate Agents and Brokers", "6531", "Real Estate Agents and Managers", "51-200", "10M-25M", "canada", "ontario", "toronto", "181 Bay St", "M5J 2T3"},
	{"Brightline Education", "brightline.edu.au", "e-learning providers", "611710", "Educational Support Services", "8299", "Schools and Educational Services", "201-500", "25M-75M", "australia", "new south wales", "sydney", "200 George St", "2000"},
	{"Ferrous Works", "ferrousworks.com", "industrial machinery manufacturing", "332710", "Machine Shops", "3599", "Industrial and Commercial Machinery", "1001-5000", "500M-1B", "united states", "ohio", "cleveland", "1301 E 9th St", "44114"},
	{"Nimbus Payments", "nimbuspay.com", "financial services", "522320", "Financial Transactions Processing", "6099", "Functions Related to Depository Banking", "501-1000", "200M-500M", "ireland", "leinster", "dublin", "1 Grand Canal Sq", "D02 P820"},
	{"Sparrow HR", "sparrowhr.com", "human resources services", "541612", "Human Resources Consulting Services", "8742", "Management Consulting Services", "11-50", "1M-5M", "united states", "texas", "austin", "500 W 2nd St", "78701"},
	{"Tidewater Energy", "tidewaterenergy.com", "renewable energy power generation", "221114", "Solar Electric Power Generation", "4911", "Electric Services", "1001-5000", "1B-10B", "united states", "virginia", "norfolk", "150 W Main St", "23510"},
	{"Verdant Retail Co", "verdantretail.com", "retail", "455219", "All Other General Merchandise Retailers", "5399", "Miscellaneous General Merchandise Stores", "5001-10000", "1B-10B", "united states", "washington", "seattle", "1201 3rd Ave", "98101"},
	{"Wavelength Telecom", "wavelengthtel.com", "telecommunications", "517111", "Wired Telecommunications Carriers", "4813", "Telephone Communications", "10001+", "10B-100B", "france", "ile-de-france", "paris", "12 Rue de la Paix", "75002"},
	{"Yellowstone Outfitters", "yellowstoneoutfitters.com", "retail apparel and fashion", "458110", "Clothing and Clothing Accessories Retailers", "5651", "Family Clothing Stores", "201-500", "25M-75M", "united states", "montana", "bozeman", "20 E Main St", "59715"},
}

var firstNames = []string{
	"Olivia", "Liam", "Emma", "Noah", "Amelia", "Oliver", "Sophia", "Elijah", "Isabella", "Lucas",
	"Mia", "Mateo", "Charlotte", "Ethan", "Harper", "Aiden", "Evelyn", "James", "Priya", "Arjun",
	"Mei", "Hiroshi", "Fatima", "Omar", "Chloe", "Daniel", "Zoe", "Samuel", "Nora", "Gabriel",
	"Ingrid", "Lars", "Sofia", "Diego", "Aisha", "Kwame", "Hannah", "Jonas", "Elena", "Marco",
}

var lastNames = []string{
	"Johnson", "Martinez", "Nguyen", "Patel", "Kim", "Okafor", "Schmidt", "Rossi", "Dubois", "Andersson",
	"Garcia", "Williams", "Brown", "Cohen", "Tanaka", "Silva", "Murphy", "O'Brien", "Kowalski", "Haddad",
	"Fischer", "Moreau", "Larsen", "Chen", "Singh", "Walker", "Reyes", "Novak", "Bauer", "Lindqvist",
}

var jobTitles = []struct{ title, department, seniority string }{
	{"VP of Sales", "sales", "vp"},
	{"Head of Marketing", "marketing", "director"},
	{"Account Executive", "sales", "senior"},
	{"Sales Development Representative", "sales", "entry"},
	{"Chief Technology Officer", "engineering", "cxo"},
	{"Senior Software Engineer", "engineering", "senior"},
	{"Operations Manager", "operations", "manager"},
	{"Chief Executive Officer", "c-suite", "cxo"},
	{"Product Manager", "product", "manager"},
	{"Director of Finance", "finance", "director"},
	{"Customer Success Manager", "customer service", "manager"},
	{"Head of People", "human resources", "director"},
}
